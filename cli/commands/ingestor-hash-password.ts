import { hashPassword } from '../../ingestor/broker/password.ts';
import { UsageError, parseFlags, type Command } from '../command.ts';

const command: Command = {
  summary: ['Hash a gateway password for the ingestor config (gateways[].passwordHash)', '生成网关密码哈希（用于 gateways[].passwordHash）'],
  usage: 'PASSWORD',
  async run(argv) {
    const { positionals } = parseFlags(argv, {});
    if (positionals.length !== 1) throw new UsageError('give exactly one password');
    console.log(await hashPassword(positionals[0]!));
    return 0;
  },
};
export default command;
