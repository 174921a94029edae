import { Link } from "react-router";
import { PageHeading } from "./PageHeading";

/** What a page shows for something that does not exist, with the way back to the events. */
export function NotFound({ title }: { title: string }) {
  return (
    <>
      <PageHeading title={title}>{title}</PageHeading>
      <p>
        <Link to="/">Back to all events</Link>
      </p>
    </>
  );
}
