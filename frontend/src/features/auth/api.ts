import { queryOptions, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, resumeSession, sessionBegan, sessionOver, unwrap } from "../../lib/api-client";
import type { LoginBody, RegisterBody, User } from "../../lib/api-types";
import { isApiError } from "../../lib/problem";
import { queryKeys } from "../../lib/query-keys";
import { useRealtimeClient } from "../../lib/realtime/react";

async function fetchMe(): Promise<User | null> {
  try {
    const user = await unwrap(api.GET("/api/auth/me"));
    resumeSession();
    return user;
  } catch (error) {
    if (isApiError(error) && error.status === 401) return null;
    throw error;
  }
}

export const meQueryOptions = queryOptions({
  queryKey: queryKeys.me,
  queryFn: fetchMe,
  staleTime: 5 * 60_000,
});

/** The signed-in user, or null for a visitor. */
export function useMe() {
  return useQuery(meQueryOptions);
}

/** After the session changes: new identity, a socket that carries it, no leftover bookings. */
function useSessionChanged() {
  const queryClient = useQueryClient();
  const realtime = useRealtimeClient();
  return async (user: User | null) => {
    queryClient.removeQueries({ queryKey: queryKeys.bookings.all });
    if (user) queryClient.setQueryData(queryKeys.me, user);
    else queryClient.setQueryData(queryKeys.me, null);
    realtime.reconnect();
  };
}

async function login(body: LoginBody): Promise<User> {
  const tokens = await unwrap(api.POST("/api/auth/login", { body }));
  sessionBegan(tokens.expires_in);
  const user = await fetchMe();
  if (!user) throw new Error("Logged in, but the session cookie was not accepted.");
  return user;
}

export function useLogin() {
  const sessionChanged = useSessionChanged();
  return useMutation({ mutationFn: login, onSuccess: sessionChanged });
}

export function useRegister() {
  const sessionChanged = useSessionChanged();
  return useMutation({
    mutationFn: async (body: RegisterBody) => {
      await unwrap(api.POST("/api/auth/register", { body }));
      return login(body);
    },
    onSuccess: sessionChanged,
  });
}

export function useLogout() {
  const sessionChanged = useSessionChanged();
  return useMutation({
    mutationFn: async () => {
      await unwrap(api.POST("/api/auth/logout"));
      sessionOver();
    },
    onSuccess: () => sessionChanged(null),
  });
}
