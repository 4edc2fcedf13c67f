import { QueueGroups } from '@gilt/contracts';
import { runMicroservice } from '@gilt/service-kit';
import { AncestryModule } from './ancestry.module.js';

await runMicroservice(AncestryModule, 'ancestry', QueueGroups.ancestry);
