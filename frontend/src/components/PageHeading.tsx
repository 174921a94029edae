import { type ReactNode, useEffect } from "react";

/** The page's h1; sets the document title. Layout moves focus to it after navigation. */
export function PageHeading({ children, title }: { children: ReactNode; title: string }) {
  useEffect(() => {
    document.title = `${title} · BoltTickets`;
  }, [title]);
  return (
    <h1 tabIndex={-1} className="page-heading">
      {children}
    </h1>
  );
}
