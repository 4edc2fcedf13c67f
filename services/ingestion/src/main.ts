import { QueueGroups } from '@gilt/contracts';
import { runMicroservice } from '@gilt/service-kit';
import { IngestionModule } from './ingestion.module.js';

await runMicroservice(IngestionModule, 'ingestion', QueueGroups.ingestion);
