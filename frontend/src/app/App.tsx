import { lazy, Suspense } from "react";
import { Route, Routes } from "react-router";
import { NotFound } from "../components/NotFound";
import { DOOR_ROLES, LoginPage, RegisterPage, RequireUser } from "../features/auth/components/AuthPages";
import { BookingPage } from "../features/bookings/components/BookingPage";
import { MyBookingsPage } from "../features/bookings/components/MyBookingsPage";
import { CheckinPage } from "../features/checkout/components/CheckinPage";
import { TestPaymentPage } from "../features/checkout/components/TestPaymentPage";
import { EventPage } from "../features/events/components/EventPage";
import { EventsPage } from "../features/events/components/EventsPage";
import { WaitingRoomPage } from "../features/waiting-room/components/WaitingRoomPage";
import { Layout } from "./Layout";

// Organiser pages are loaded only by organisers.
const AdminPage = lazy(() => import("../features/admin/components/AdminPage").then((m) => ({ default: m.AdminPage })));
const CreateEventPage = lazy(() =>
  import("../features/admin/components/CreateEventPage").then((m) => ({ default: m.CreateEventPage })),
);
// Stripe.js comes with its page only.
const StripePaymentPage = lazy(() => import("../features/checkout/components/StripePaymentPage"));
const SalesPage = lazy(() => import("../features/admin/components/SalesPage").then((m) => ({ default: m.SalesPage })));

export function AppRoutes() {
  return (
    <Layout>
      <Suspense fallback={<p role="status">Loading…</p>}>
        <Routes>
          <Route path="/" element={<EventsPage />} />
          <Route path="/events/:eventId" element={<EventPage />} />
          <Route
            path="/events/:eventId/waiting-room"
            element={
              <RequireUser>
                <WaitingRoomPage />
              </RequireUser>
            }
          />
          <Route path="/login" element={<LoginPage />} />
          <Route path="/register" element={<RegisterPage />} />
          <Route
            path="/bookings"
            element={
              <RequireUser>
                <MyBookingsPage />
              </RequireUser>
            }
          />
          <Route
            path="/bookings/:bookingId"
            element={
              <RequireUser>
                <BookingPage />
              </RequireUser>
            }
          />
          <Route
            path="/pay/test/:paymentId"
            element={
              <RequireUser>
                <TestPaymentPage />
              </RequireUser>
            }
          />
          <Route
            path="/pay/stripe/:paymentId"
            element={
              <RequireUser>
                <StripePaymentPage />
              </RequireUser>
            }
          />
          <Route
            path="/checkin"
            element={
              <RequireUser roles={DOOR_ROLES}>
                <CheckinPage />
              </RequireUser>
            }
          />
          <Route
            path="/admin"
            element={
              <RequireUser admin>
                <AdminPage />
              </RequireUser>
            }
          />
          <Route
            path="/admin/events/new"
            element={
              <RequireUser admin>
                <CreateEventPage />
              </RequireUser>
            }
          />
          <Route
            path="/admin/events/:eventId"
            element={
              <RequireUser admin>
                <SalesPage />
              </RequireUser>
            }
          />
          <Route path="*" element={<NotFound title="Page not found" />} />
        </Routes>
      </Suspense>
    </Layout>
  );
}
