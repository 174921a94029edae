import "@testing-library/jest-dom/vitest";
import { cleanup, configure } from "@testing-library/react";
import { afterAll, afterEach, beforeAll } from "vitest";
import { resetSession } from "../lib/session";
import { server } from "./server";

// CI's machine may be busy: a test waits for what it needs with a generous bound, never for
// the default second that an idle machine happens to meet.
configure({ asyncUtilTimeout: 30_000 });

/** Requests no handler answered: each one fails the test that made it. */
const unhandled: string[] = [];

beforeAll(() => {
  server.listen({
    onUnhandledRequest(request) {
      unhandled.push(`${request.method} ${request.url}`);
      throw new Error(`Unhandled request: ${request.method} ${request.url}`);
    },
  });
});

afterEach(() => {
  cleanup();
  resetSession();
  server.resetHandlers();
  if (unhandled.length) {
    const list = unhandled.splice(0).join(", ");
    throw new Error(`Requests without an MSW handler: ${list}`);
  }
});

afterAll(() => server.close());
