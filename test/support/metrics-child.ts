// A stand-in for the `tenantflow worker` child of `serve`: counts one retry, then answers metrics requests.
import { answerMetricsRequests } from '../../src/metrics/worker-channel';
import { stepRetries } from '../../src/metrics/registry';

stepRetries.inc({ component: 'child-component' }, 3);
answerMetricsRequests();
process.send!('ready');
