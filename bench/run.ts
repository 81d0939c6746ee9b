// `npm run bench`: every benchmark prints rows with its own baseline measured
// in the same run, so the ratios mean something on any machine.
import { benchApi } from './api.ts';

const rows = [...(await benchApi())];
console.table(rows);
