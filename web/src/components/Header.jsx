import { logout } from '../auth.js';
import { configStore } from '../config.js';
import { Link } from '../router.jsx';
import { useStore } from '../store.js';
import { LiveIndicator } from './LiveIndicator.jsx';

function NavLink({ href, path, children }) {
  const current = path === href || path.startsWith(`${href}?`) || (href === '/history' && path.startsWith('/jobs/'));
  return (
    <li>
      <Link href={href} aria-current={current ? 'page' : undefined}>
        {children}
      </Link>
    </li>
  );
}

export function Header({ user, path }) {
  const config = useStore(configStore);
  const company = config.company_name && config.company_name !== 'ObjectVision' ? config.company_name : '';
  return (
    <header class="top">
      <div class="brand">
        <Link href={user ? '/upload' : '/login'} class="logo">
          <svg aria-hidden="true" viewBox="0 0 32 32" width="24" height="24">
            <rect x="3" y="3" width="26" height="26" rx="5" fill="none" stroke="currentColor" stroke-width="4" />
            <circle cx="16" cy="16" r="5" fill="currentColor" />
          </svg>
          <span>ObjectVision</span>
        </Link>
        {company && <span class="company">{company}</span>}
      </div>
      {user && (
        <nav aria-label="Main">
          <ul>
            <NavLink href="/upload" path={path}>
              Upload
            </NavLink>
            <NavLink href="/history" path={path}>
              History
            </NavLink>
            <NavLink href="/settings" path={path}>
              Settings
            </NavLink>
            {user.role === 'admin' && (
              <NavLink href="/admin" path={path}>
                Admin
              </NavLink>
            )}
          </ul>
        </nav>
      )}
      {user && (
        <div class="session">
          <LiveIndicator />
          <span class="who" title={user.email}>
            {user.name}
          </span>
          <button type="button" class="ghost" onClick={() => logout()}>
            Log out
          </button>
        </div>
      )}
    </header>
  );
}
