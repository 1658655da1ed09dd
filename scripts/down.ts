// npm run down: removes every container this suite started (a cluster left by a killed `npm run up` or test run).
import { removeSuiteContainers } from '../harness/cleanup.js';

const removed = await removeSuiteContainers('all');
console.log(removed.length > 0 ? `removed ${removed.length} container(s): ${removed.join(' ')}` : 'nothing to remove');
