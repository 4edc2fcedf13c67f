import { QueueGroups } from '@gilt/contracts';
import { runMicroservice } from '@gilt/service-kit';
import { ChannelsModule } from './channels.module.js';

await runMicroservice(ChannelsModule, 'channels', QueueGroups.channels);
