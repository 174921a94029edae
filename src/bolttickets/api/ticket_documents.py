"""A ticket as its holder shows it: its code as a QR code (SVG, PNG), or a printable PDF."""

from __future__ import annotations

import io

import segno
from fpdf import FPDF

from bolttickets.services.ports import TicketDetails

_ERROR_CORRECTION = "m"
"""15% of the code may be smudged or creased and it still scans."""
_PNG_SCALE = 10
"""Pixels per module: a 25-module code is about 300 px, sharp on a phone's screen."""

_A6 = (105, 148)
"""Millimetres: a postcard, room for the code and what the holder reads."""


def _qr(ticket: TicketDetails) -> segno.QRCode:
    return segno.make_qr(ticket.ticket.code, error=_ERROR_CORRECTION)


def svg(ticket: TicketDetails) -> bytes:
    out = io.BytesIO()
    _qr(ticket).save(out, kind="svg", scale=8, title="Ticket")
    return out.getvalue()


def png(ticket: TicketDetails) -> bytes:
    out = io.BytesIO()
    _qr(ticket).save(out, kind="png", scale=_PNG_SCALE)
    return out.getvalue()


def pdf(ticket: TicketDetails) -> bytes:
    """An A6 page: the event, when, the ticket type, the QR code and the code in clear."""
    document = FPDF(format=_A6)
    document.set_margins(10, 10)
    document.add_page()
    document.set_font("helvetica", "B", 14)
    document.multi_cell(0, 7, _printable(ticket.event_name))
    document.set_font("helvetica", size=10)
    document.cell(
        0, 6, ticket.starts_at.strftime("%Y-%m-%d %H:%M UTC"), new_x="LMARGIN", new_y="NEXT"
    )
    document.cell(0, 6, _printable(ticket.ticket_type_name), new_x="LMARGIN", new_y="NEXT")
    document.image(io.BytesIO(png(ticket)), x=19, w=67, h=67)
    document.set_font("courier", size=9)
    document.cell(0, 6, ticket.ticket.code, align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(document.output())


def _printable(text: str) -> str:
    """The PDF's built-in fonts cover Latin-1 only; another character prints as '?' rather
    than refusing the ticket (the QR code, which the door reads, is unaffected)."""
    return text.encode("latin-1", "replace").decode("latin-1")
