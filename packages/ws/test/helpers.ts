// The network-test waits of the shared test kit.
export { until, within } from '../../core/test/kit/wait.js';
