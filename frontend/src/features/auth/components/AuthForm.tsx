import { type FormEvent, useId, useState } from "react";
import { errorMessage, isApiError } from "../../../lib/problem";

export interface Credentials {
  email: string;
  password: string;
}

/** The email + password form shared by log-in and registration. */
export function AuthForm({ submitLabel, busyLabel, onSubmit, isPending, error, newPassword }: {
  submitLabel: string;
  busyLabel: string;
  onSubmit: (credentials: Credentials) => void;
  isPending: boolean;
  error: unknown;
  newPassword?: boolean;
}) {
  const id = useId();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const tooShort = newPassword && password.length > 0 && password.length < 8;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!tooShort) onSubmit({ email: email.trim(), password });
  };
  return (
    <form className="form stack" onSubmit={submit} noValidate={false}>
      <div className="field">
        <label htmlFor={`${id}-email`}>Email</label>
        <input
          id={`${id}-email`}
          type="email"
          name="email"
          autoComplete={newPassword ? "email" : "username"}
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-password`}>Password</label>
        <input
          id={`${id}-password`}
          type="password"
          name="password"
          autoComplete={newPassword ? "new-password" : "current-password"}
          required
          minLength={newPassword ? 8 : undefined}
          aria-describedby={newPassword ? `${id}-hint` : undefined}
          aria-invalid={tooShort || undefined}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        {newPassword && (
          <p id={`${id}-hint`} className="hint">
            At least 8 characters.
          </p>
        )}
      </div>
      {error ? (
        <p role="alert" className="notice notice-error">
          {authErrorMessage(error)}
        </p>
      ) : null}
      <button type="submit" className="button" disabled={isPending}>
        {isPending ? busyLabel : submitLabel}
      </button>
    </form>
  );
}

function authErrorMessage(error: unknown): string {
  if (isApiError(error, "invalid-credentials")) return "Wrong email or password.";
  if (isApiError(error, "email-taken")) return "An account with this email already exists. Log in instead.";
  return errorMessage(error);
}
