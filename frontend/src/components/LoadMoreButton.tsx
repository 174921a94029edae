import type { ReactNode } from "react";

type Pages = { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => Promise<unknown> };

/** The next page of a list, on request; off while a page is on its way, so a second click
 * cannot ask for the same page twice. Absent once the last page is in. */
export function LoadMoreButton({ query, children }: { query: Pages; children: ReactNode }) {
  if (!query.hasNextPage) return null;
  return (
    <button
      type="button"
      className="button button-secondary"
      onClick={() => void query.fetchNextPage()}
      disabled={query.isFetchingNextPage}
    >
      {query.isFetchingNextPage ? "Loading…" : children}
    </button>
  );
}
