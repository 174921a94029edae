"""uvicorn's WebSocket protocol, letting the app write ready-made frames to a connection.

A frame from a server is not masked, so its bytes are the same for every connection: the
realtime hub encodes a broadcast once and writes those bytes to each subscriber's transport.
Through ASGI, every subscriber cost an awaited send, a frame encoding and the state checks of
four layers (the fan-out benchmark: about 34 µs of the API's CPU per subscriber per change,
a third of a second for 10,000). The protocol offers the writer as the ASGI scope extension
``FRAME_WRITER``; under another server, or on a connection that negotiated compression (its
frames differ per connection), the extension is absent and the hub sends through ASGI.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.frames import Frame, Opcode
from websockets.protocol import State

if TYPE_CHECKING:
    from websockets.http11 import Request

FRAME_WRITER = "bolttickets.websocket.frames"


def text_frame(payload: bytes) -> bytes:
    """The wire bytes of one unfragmented text frame from the server."""
    return Frame(Opcode.TEXT, payload).serialize(mask=False)


class FrameWriter:
    """Writes whole frames to one connection's transport, beside the ASGI sends.

    Frames never interleave with the protocol's own: each write is one synchronous call on
    the event loop, as the protocol's are.
    """

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def write(self, frames: bytes) -> bool:
        """Write, unless the connection is closing: then False, and nothing is written."""
        protocol = self._protocol
        if (
            protocol.close_sent
            or protocol.disconnected
            or protocol.conn.state is not State.OPEN
            or protocol.transport.is_closing()
        ):
            return False
        protocol.transport.write(frames)
        return True

    @property
    def buffered(self) -> int:
        """Bytes written but not yet taken by the kernel: a slow reader's backlog."""
        return self._protocol.transport.get_write_buffer_size()


class FrameWriterProtocol(WebSocketsSansIOProtocol):
    """uvicorn's default WebSocket protocol, offering each uncompressed connection a
    ``FrameWriter`` (serve it with ``uvicorn.run(..., ws=FrameWriterProtocol)``)."""

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The handshake was answered above and the app's task not yet run: the scope is
        # complete but unread. A refused handshake has no scope.
        if not self.close_sent and not self.conn.extensions:
            self.scope["extensions"][FRAME_WRITER] = FrameWriter(self)  # type: ignore[assignment]
