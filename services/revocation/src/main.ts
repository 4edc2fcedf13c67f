import { QueueGroups } from '@gilt/contracts';
import { runMicroservice } from '@gilt/service-kit';
import { RevocationModule } from './revocation.module.js';

await runMicroservice(RevocationModule, 'revocation', QueueGroups.revocation);
