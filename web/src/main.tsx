// Entry point: take the one-time login token out of the address bar first, then render the app.

import { render } from 'preact';
import { App } from './app.js';
import { takeLoginToken } from './auth/login-link.js';
import { applySavedTheme } from './ui/theme.js';
import './styles.css';

applySavedTheme();
const loginToken = takeLoginToken();
render(<App loginToken={loginToken} />, document.getElementById('app')!);
