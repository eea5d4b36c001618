// The shell: header, the page of the current path, redirects between signed-in and public pages,
// focus and title on navigation, the live socket while signed in.
import { useEffect, useRef } from 'preact/hooks';
import { authStore, boot } from './auth.js';
import { Header } from './components/Header.jsx';
import { Admin } from './pages/Admin.jsx';
import { History } from './pages/History.jsx';
import { Job } from './pages/Job.jsx';
import { Login } from './pages/Login.jsx';
import { NotFound } from './pages/NotFound.jsx';
import { Settings } from './pages/Settings.jsx';
import { Signup } from './pages/Signup.jsx';
import { Upload } from './pages/Upload.jsx';
import { match, navigate, routeStore } from './router.jsx';
import { useStore } from './store.js';
import { startLive, stopLive } from './ws.js';

const ROUTES = [
  ['/login', Login, 'Log in', true],
  ['/signup', Signup, 'Sign up', true],
  ['/upload', Upload, 'Upload'],
  ['/history', History, 'History'],
  ['/jobs/:id', Job, 'Result'],
  ['/settings', Settings, 'Settings'],
  ['/admin', Admin, 'Admin'],
];

// Where to go after logging in: the protected page that sent us to the login page.
let afterLogin = '/upload';

function resolve(path) {
  const p = path.split('?')[0];
  for (const [pattern, Page, title, open] of ROUTES) {
    const params = match(pattern, p);
    if (params) return { Page, title, open: !!open, params };
  }
  return { Page: NotFound, title: 'Not found', open: true, params: {}, unknown: p !== '/' };
}

export function App() {
  const path = useStore(routeStore);
  const auth = useStore(authStore);
  const signedIn = auth.state === 'signed-in';
  const route = resolve(path);
  const first = useRef(null); // the path whose heading was last focused

  useEffect(() => {
    if (signedIn) startLive();
    else stopLive();
  }, [signedIn]);

  // Redirects: "/" to the right home, protected pages to the login page and back.
  let redirect = null;
  if (auth.state === 'signed-in') {
    if (path.split('?')[0] === '/' || route.Page === Login || route.Page === Signup) redirect = afterLogin;
  } else if (auth.state === 'anonymous') {
    if (!route.open || path.split('?')[0] === '/') {
      if (!route.open) afterLogin = path;
      redirect = '/login';
    }
  }
  useEffect(() => {
    if (redirect) {
      if (redirect === afterLogin) afterLogin = '/upload';
      navigate(redirect, { replace: true });
    }
  }, [redirect]);

  // After a navigation (not the first page shown), focus goes to the new page's heading.
  const pathname = path.split('?')[0];
  useEffect(() => {
    document.title = `${route.title} · ObjectVision`;
    if (redirect || auth.state === 'booting') return;
    if (first.current === null) {
      first.current = pathname;
      return;
    }
    if (first.current === pathname) return;
    first.current = pathname;
    const h1 = document.querySelector('main h1');
    if (h1) h1.focus();
  }, [pathname, auth.state, redirect]);

  let body;
  if (auth.state === 'booting' || redirect) {
    body = (
      <p class="muted" role="status">
        Loading…
      </p>
    );
  } else if (auth.state === 'unreachable') {
    body = (
      <section class="card narrow">
        <h1 tabIndex={-1}>Cannot reach the server</h1>
        <p>The session could not be restored because the server did not answer.</p>
        <button class="primary" type="button" onClick={() => boot()}>
          Try again
        </button>
      </section>
    );
  } else {
    const { Page } = route;
    body = <Page params={route.params} user={auth.user} />;
  }

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <Header user={signedIn ? auth.user : null} path={path} />
      <main id="main">{body}</main>
    </>
  );
}
