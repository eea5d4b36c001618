import { Link } from '../router.jsx';

export function NotFound() {
  return (
    <section class="card narrow">
      <h1 tabIndex={-1}>Page not found</h1>
      <p>There is no page at this address.</p>
      <p>
        <Link href="/upload">Go to the upload page</Link>
      </p>
    </section>
  );
}
