// The format is shared with the gateway's console password (gateway/console/auth.ts), so it
// lives in core; the ingestor keeps importing it from here.
export { hashPassword, verifyPassword } from '../../core/password.ts';
