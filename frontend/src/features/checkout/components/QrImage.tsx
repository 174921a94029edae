import { useQuery } from "@tanstack/react-query";
import { fetchBlob } from "../../../lib/api-client";
import { ticketFiles } from "../api";

/** The ticket's QR code: owner-only, so fetched with the session rather than by <img src>. */
export function QrImage({ code }: { code: string }) {
  const query = useQuery({
    queryKey: ["tickets", "qr", code],
    queryFn: async ({ signal }) => {
      const svg = await (await fetchBlob(ticketFiles.qrSvg(code), signal)).text();
      // A data URL needs no revoking, and an SVG shown by <img> runs no script.
      return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
    },
    staleTime: Number.POSITIVE_INFINITY,
  });
  if (query.isError) return <p className="notice notice-error">The QR code could not be loaded.</p>;
  if (!query.data) return <p role="status">Loading QR code…</p>;
  return <img className="qr" src={query.data} alt={`QR code of ticket ${code}`} width={200} height={200} />;
}
