import type { ReactNode } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router";
import { PageHeading } from "../../../components/PageHeading";
import type { Role } from "../../../lib/api-types";
import { useLogin, useMe, useRegister } from "../api";
import { AuthForm } from "./AuthForm";

/** Only same-site paths are followed after log-in. */
function useNext(): string {
  const [params] = useSearchParams();
  const next = params.get("next") ?? "/";
  return next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function LoginPage({ returnTo }: { returnTo?: string }) {
  const login = useLogin();
  const navigate = useNavigate();
  const nextParam = useNext();
  const next = returnTo ?? nextParam;
  return (
    <section className="narrow">
      <PageHeading title="Log in">Log in</PageHeading>
      <AuthForm
        submitLabel="Log in"
        busyLabel="Logging in…"
        isPending={login.isPending}
        error={login.error}
        onSubmit={(credentials) => login.mutate(credentials, { onSuccess: () => void navigate(next) })}
      />
      <p>
        New here? <Link to={`/register?next=${encodeURIComponent(next)}`}>Create an account</Link>
      </p>
    </section>
  );
}

export function RegisterPage() {
  const register = useRegister();
  const navigate = useNavigate();
  const next = useNext();
  return (
    <section className="narrow">
      <PageHeading title="Create an account">Create an account</PageHeading>
      <AuthForm
        newPassword
        submitLabel="Create account"
        busyLabel="Creating account…"
        isPending={register.isPending}
        error={register.error}
        onSubmit={(credentials) => register.mutate(credentials, { onSuccess: () => void navigate(next) })}
      />
      <p>
        Already have an account? <Link to={`/login?next=${encodeURIComponent(next)}`}>Log in</Link>
      </p>
    </section>
  );
}

export const ORGANISER_ROLES: readonly Role[] = ["organizer", "admin"];
export const DOOR_ROLES: readonly Role[] = ["door", "admin"];

/** Renders children for a signed-in user (with `admin` or `roles`: in one of those roles), else sends to log-in. */
export function RequireUser({ children, admin = false, roles }: {
  children: ReactNode;
  admin?: boolean;
  roles?: readonly Role[];
}) {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <p role="status">Loading…</p>;
  // Log-in in place (no redirect): the page comes back once signed in.
  if (!me.data) return <LoginPage returnTo={location.pathname + location.search} />;
  // Organizers and admins create events and follow their sales; door staff scan tickets.
  const allowed = roles ?? (admin ? ORGANISER_ROLES : null);
  if (allowed && !allowed.includes(me.data.role)) {
    return (
      <>
        <PageHeading title="Not allowed">Not allowed</PageHeading>
        <p>{allowed === DOOR_ROLES ? "This page is for door staff." : "This page is for organisers."}</p>
      </>
    );
  }
  return children;
}
