import { exporterHostCases } from './exporter-host';
import { metaCases } from './meta';
import { moreCases } from './more';
import { postgresCases } from './postgres';
import { redisCases } from './redis';
import { queueCases } from './queues';
import { storageHealthCases } from './storage-health';
import { apiCases } from './api';
import type { RuleCase } from './types';

export const ALL_CASES: readonly RuleCase[] = [
  ...exporterHostCases,
  ...redisCases,
  ...queueCases,
  ...postgresCases,
  ...storageHealthCases,
  ...apiCases,
  ...metaCases,
  ...moreCases,
];
