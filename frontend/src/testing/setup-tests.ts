import "@testing-library/jest-dom/vitest";
import { cleanup } from "@testing-library/react";
import { afterAll, afterEach, beforeAll } from "vitest";
import { resetSession } from "../lib/session";
import { server } from "./server";

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
