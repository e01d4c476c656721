// Shared with the gateway's console login (gateway/console/auth.ts), so it lives in core.
export { LoginLimiter } from '../../core/login-limiter.ts';
