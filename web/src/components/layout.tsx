import { NavLink, Outlet } from 'react-router';
import { useLive } from '../live/live-events';
import { TokenControl } from './token-control';

const LIVE_TEXT = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  unauthorized: 'Live updates need a token',
} as const;

/** The frame of every page: navigation, live status, operator token. */
export function Layout() {
  const { status } = useLive();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="app-header">
        <NavLink to="/" className="brand" end>
          apphub-assets
        </NavLink>
        <nav aria-label="Main">
          <ul>
            <li>
              <NavLink to="/" end>
                Workflows
              </NavLink>
            </li>
            <li>
              <NavLink to="/assets" end>
                Assets
              </NavLink>
            </li>
            <li>
              <NavLink to="/assets/graph">Lineage</NavLink>
            </li>
            <li>
              <NavLink to="/webhooks">Webhooks</NavLink>
            </li>
          </ul>
        </nav>
        <span className={`live live-${status}`} role="status" aria-live="polite" data-live={status}>
          <span className="live-dot" aria-hidden="true" />
          {LIVE_TEXT[status]}
        </span>
        <TokenControl />
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
    </div>
  );
}
