/** crmkit quickstart: two departments, two CRMs, one central customer view. Run with `npm start` at the repo root. */
import { runQuickstart } from './quickstart';

await runQuickstart();
