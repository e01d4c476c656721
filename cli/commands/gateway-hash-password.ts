import { hashPassword } from '../../core/password.ts';
import { UsageError, parseFlags, type Command } from '../command.ts';

// From core, not the ingestor: the gateway release ships this command without the ingestor's code.
const command: Command = {
  summary: ['Hash a password for the gateway console (http.passwordHash)', '生成网关调试页面的密码哈希（用于 http.passwordHash）'],
  usage: 'PASSWORD',
  async run(argv) {
    const { positionals } = parseFlags(argv, {});
    if (positionals.length !== 1) throw new UsageError('give exactly one password');
    if (positionals[0]!.length < 8) throw new UsageError('the password needs at least 8 characters');
    console.log(await hashPassword(positionals[0]!));
    return 0;
  },
};
export default command;
