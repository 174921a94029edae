import { type ReactNode, useEffect, useRef } from "react";
import { Link, NavLink, useLocation, useNavigate } from "react-router";
import { ConnectionIndicator } from "../components/LiveStatus";
import { useLogout, useMe } from "../features/auth/api";
import { DOOR_ROLES, ORGANISER_ROLES } from "../features/auth/components/AuthPages";

export function Layout({ children }: { children: ReactNode }) {
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  const location = useLocation();
  const mainRef = useRef<HTMLElement>(null);
  const shownPath = useRef(location.pathname);

  // After client-side navigation (not on the first load), move focus to the new page's heading.
  useEffect(() => {
    if (shownPath.current === location.pathname) return;
    shownPath.current = location.pathname;
    const id = requestAnimationFrame(() => {
      const heading = mainRef.current?.querySelector<HTMLElement>("h1");
      (heading ?? mainRef.current)?.focus();
    });
    return () => cancelAnimationFrame(id);
  }, [location.pathname]);

  const user = me.data;
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="container header-inner">
          <Link to="/" className="brand">
            <span aria-hidden="true">⚡</span> BoltTickets
          </Link>
          <nav aria-label="Main">
            <ul>
              <li>
                <NavLink to="/" end>
                  Events
                </NavLink>
              </li>
              {user && (
                <li>
                  <NavLink to="/bookings">My bookings</NavLink>
                </li>
              )}
              {user && ORGANISER_ROLES.includes(user.role) && (
                <li>
                  <NavLink to="/admin">Organiser</NavLink>
                </li>
              )}
              {user && DOOR_ROLES.includes(user.role) && (
                <li>
                  <NavLink to="/checkin">Check-in</NavLink>
                </li>
              )}
              {user ? (
                <li>
                  <button
                    type="button"
                    className="link-button"
                    disabled={logout.isPending}
                    onClick={() =>
                      logout.mutateAsync().then(
                        () => navigate("/"),
                        () => undefined, // the error stays on logout.error
                      )
                    }
                  >
                    Log out<span className="visually-hidden"> {user.email}</span>
                  </button>
                </li>
              ) : (
                <>
                  <li>
                    <NavLink to="/login">Log in</NavLink>
                  </li>
                  <li>
                    <NavLink to="/register">Register</NavLink>
                  </li>
                </>
              )}
            </ul>
          </nav>
        </div>
        {user && (
          <p className="container signed-in muted" data-testid="signed-in-as">
            Signed in as {user.email}
          </p>
        )}
      </header>
      <ConnectionIndicator />
      <main id="main" ref={mainRef} tabIndex={-1} className="container">
        {children}
      </main>
    </>
  );
}
