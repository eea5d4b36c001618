import { render } from 'preact';
import { App } from './app.jsx';
import { boot } from './auth.js';
import { loadConfig } from './config.js';
import { initialTheme } from './theme.js';
import './app.css';

initialTheme();
loadConfig();
boot();
render(<App />, document.getElementById('app'));
