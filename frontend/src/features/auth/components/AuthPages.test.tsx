import { screen, waitFor } from "@testing-library/react";
import { http, HttpResponse } from "msw";
import { describe, expect, it } from "vitest";
import type { User } from "../../../lib/api-types";
import { FakeWebSocket } from "../../../testing/fake-websocket";
import { aUser, problem } from "../../../testing/fixtures";
import { server } from "../../../testing/server";
import { renderApp } from "../../../testing/test-utils";

/** A tiny session: /me answers 401 until log-in succeeds. */
function session(account: { email: string; password: string }) {
  let user: User | null = null;
  const calls: string[] = [];
  server.use(
    http.get("*/api/auth/me", () => (user ? HttpResponse.json(user) : HttpResponse.json(problem("unauthorized", 401), { status: 401 }))),
    http.post("*/api/auth/register", async ({ request }) => {
      const body = (await request.json()) as { email: string; password: string };
      calls.push(`register ${body.email}`);
      if (body.email === "taken@example.com") return HttpResponse.json(problem("email-taken", 409), { status: 409 });
      Object.assign(account, body);
      return HttpResponse.json(aUser({ email: body.email }), { status: 201 });
    }),
    http.post("*/api/auth/login", async ({ request }) => {
      const body = (await request.json()) as { email: string; password: string };
      calls.push(`login ${body.email}`);
      if (body.email !== account.email || body.password !== account.password) {
        return HttpResponse.json(problem("invalid-credentials", 401), { status: 401 });
      }
      user = aUser({ email: body.email });
      return HttpResponse.json({ access_token: "t", token_type: "bearer", expires_in: 3600 });
    }),
    http.post("*/api/auth/logout", () => {
      calls.push("logout");
      user = null;
      return new HttpResponse(null, { status: 204 });
    }),
  );
  return calls;
}

describe("auth pages", () => {
  it("logs in, reconnects the socket with the new cookie, and logs out", async () => {
    session({ email: "ann@example.com", password: "secret-pass" });
    const { user } = renderApp("/login?next=/bookings");
    server.use(http.get("*/api/bookings", () => HttpResponse.json({ items: [], next_cursor: null })));
    const socketsBefore = FakeWebSocket.instances.length;
    await user.type(await screen.findByLabelText("Email"), "ann@example.com");
    await user.type(screen.getByLabelText("Password"), "secret-pass");
    await user.click(screen.getByRole("button", { name: "Log in" }));

    expect(await screen.findByRole("heading", { name: "My bookings" })).toBeInTheDocument();
    expect(screen.getByTestId("signed-in-as")).toHaveTextContent("ann@example.com");
    expect(FakeWebSocket.instances.length).toBe(socketsBefore + 1);

    await user.click(screen.getByRole("button", { name: /Log out/ }));
    expect(await screen.findByRole("heading", { name: "Events" })).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByTestId("signed-in-as")).not.toBeInTheDocument());
  });

  it("says so when the password is wrong", async () => {
    session({ email: "ann@example.com", password: "secret-pass" });
    const { user } = renderApp("/login");
    await user.type(await screen.findByLabelText("Email"), "ann@example.com");
    await user.type(screen.getByLabelText("Password"), "wrong-pass");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Wrong email or password.");
  });

  it("registers and signs the new account in", async () => {
    const calls = session({ email: "", password: "" });
    const { user } = renderApp("/register");
    await user.type(await screen.findByLabelText("Email"), "new@example.com");
    await user.type(screen.getByLabelText("Password"), "long-enough");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByTestId("signed-in-as")).toHaveTextContent("new@example.com");
    expect(calls).toEqual(["register new@example.com", "login new@example.com"]);
  });

  it("explains a taken email", async () => {
    session({ email: "", password: "" });
    const { user } = renderApp("/register");
    await user.type(await screen.findByLabelText("Email"), "taken@example.com");
    await user.type(screen.getByLabelText("Password"), "long-enough");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("An account with this email already exists.");
  });

  it("only follows same-site paths after log-in", async () => {
    session({ email: "ann@example.com", password: "secret-pass" });
    const { user } = renderApp("/login?next=//evil.example");
    await user.type(await screen.findByLabelText("Email"), "ann@example.com");
    await user.type(screen.getByLabelText("Password"), "secret-pass");
    await user.click(screen.getByRole("button", { name: "Log in" }));
    expect(await screen.findByRole("heading", { name: "Events" })).toBeInTheDocument();
  });
});
