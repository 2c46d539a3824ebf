/** `crosslock/service`: one host per origin for an object every tab and worker calls (comlink), with epochs. */
export { connect, DEFAULT_CALL_TIMEOUT_MS, ServiceClient, ServiceEvent, type ConnectOptions, type HostInfo } from './service/client.js';
export { ServiceClosedError, ServiceGoneError, ServiceTimeoutError } from './service/errors.js';
export { HostEvent, serve, ServiceHost, type HostContext, type Implementation, type ServeOptions } from './service/host.js';
export type { HostWhere } from './service/messages.js';
export type { TransportMode } from './service/transport.js';
