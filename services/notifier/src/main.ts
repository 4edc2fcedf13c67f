import { QueueGroups } from '@gilt/contracts';
import { runMicroservice } from '@gilt/service-kit';
import { NotifierModule } from './notifier.module.js';

await runMicroservice(NotifierModule, 'notifier', QueueGroups.notifier);
