/** `crosslock/service`: one host per origin for an object every tab and worker calls (comlink), with epochs. */
export { connect, ServiceClient } from './service/client.js';
export { DEFAULT_CALL_TIMEOUT_MS, ServiceEvent, type ConnectOptions, type HostInfo } from './service/connect-options.js';
export { ServiceClosedError, ServiceGoneError, ServiceHostError, ServiceTimeoutError, type ServiceHostErrorKind } from './service/errors.js';
export { serve, ServiceHost } from './service/host.js';
export { HostEvent, type HostContext, type Implementation, type ServeOptions } from './service/hosting.js';
export type { HostWhere } from './service/messages.js';
export type { TransportMode } from './service/transport.js';
