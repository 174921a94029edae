export const waitingRoomPath = (eventId: string) => `/events/${eventId}/waiting-room`;
