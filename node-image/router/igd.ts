// UPnP Internet Gateway Device v2 as documents and SOAP: the device description, the service
// descriptions, and the control actions of WANIPConnection:2 and WANCommonInterfaceConfig:1 that
// clients use (miniupnpc's upnpc and @achingbrain/nat-port-mapper among them). Pure: the HTTP
// server in main.ts hands requests in and sends the answers out.

import { MappingError, type MappingTable, type Proto } from './mappings.ts';

const IGD = 'urn:schemas-upnp-org:device:InternetGatewayDevice:2';
const WANIP = 'urn:schemas-upnp-org:service:WANIPConnection:2';
const WANCFG = 'urn:schemas-upnp-org:service:WANCommonInterfaceConfig:1';
/** the search targets we answer M-SEARCH for */
export const SEARCH_TARGETS = [
  'ssdp:all',
  'upnp:rootdevice',
  IGD,
  'urn:schemas-upnp-org:device:InternetGatewayDevice:1',
  'urn:schemas-upnp-org:device:WANDevice:2',
  'urn:schemas-upnp-org:device:WANConnectionDevice:2',
  WANIP,
  'urn:schemas-upnp-org:service:WANIPConnection:1',
  WANCFG,
];

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function rootDescription(uuid: string, name: string): string {
  const svc = (type: string, id: string, path: string) =>
    `<service><serviceType>${type}</serviceType><serviceId>urn:upnp-org:serviceId:${id}</serviceId><controlURL>/ctl/${path}</controlURL><eventSubURL>/evt/${path}</eventSubURL><SCPDURL>/${path}.xml</SCPDURL></service>`;
  const dev = (type: string, suffix: string, services: string, children = '') =>
    `<device><deviceType>${type}</deviceType><friendlyName>${esc(name)}</friendlyName><manufacturer>p2p-music-testbed</manufacturer><modelName>tb-igd</modelName><UDN>uuid:${uuid}${suffix}</UDN><serviceList>${services}</serviceList>${children ? `<deviceList>${children}</deviceList>` : ''}</device>`;
  const conn = dev('urn:schemas-upnp-org:device:WANConnectionDevice:2', '-2', svc(WANIP, 'WANIPConn1', 'IPConn'));
  const wan = dev('urn:schemas-upnp-org:device:WANDevice:2', '-1', svc(WANCFG, 'WANCommonIFC1', 'CmnIfCfg'), conn);
  const root = dev(IGD, '', svc('urn:schemas-upnp-org:service:Layer3Forwarding:1', 'L3Forwarding1', 'L3F'), wan);
  return `<?xml version="1.0"?>\n<root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major><minor>0</minor></specVersion>${root}</root>\n`;
}

const ACTIONS: Record<string, { in: string[]; out: string[] }> = {
  GetExternalIPAddress: { in: [], out: ['NewExternalIPAddress'] },
  GetStatusInfo: { in: [], out: ['NewConnectionStatus', 'NewLastConnectionError', 'NewUptime'] },
  GetConnectionTypeInfo: { in: [], out: ['NewConnectionType', 'NewPossibleConnectionTypes'] },
  AddPortMapping: { in: ['NewRemoteHost', 'NewExternalPort', 'NewProtocol', 'NewInternalPort', 'NewInternalClient', 'NewEnabled', 'NewPortMappingDescription', 'NewLeaseDuration'], out: [] },
  AddAnyPortMapping: {
    in: ['NewRemoteHost', 'NewExternalPort', 'NewProtocol', 'NewInternalPort', 'NewInternalClient', 'NewEnabled', 'NewPortMappingDescription', 'NewLeaseDuration'],
    out: ['NewReservedPort'],
  },
  DeletePortMapping: { in: ['NewRemoteHost', 'NewExternalPort', 'NewProtocol'], out: [] },
  GetSpecificPortMappingEntry: {
    in: ['NewRemoteHost', 'NewExternalPort', 'NewProtocol'],
    out: ['NewInternalPort', 'NewInternalClient', 'NewEnabled', 'NewPortMappingDescription', 'NewLeaseDuration'],
  },
  GetGenericPortMappingEntry: {
    in: ['NewPortMappingIndex'],
    out: ['NewRemoteHost', 'NewExternalPort', 'NewProtocol', 'NewInternalPort', 'NewInternalClient', 'NewEnabled', 'NewPortMappingDescription', 'NewLeaseDuration'],
  },
  GetCommonLinkProperties: { in: [], out: ['NewWANAccessType', 'NewLayer1UpstreamMaxBitRate', 'NewLayer1DownstreamMaxBitRate', 'NewPhysicalLinkStatus'] },
  GetTotalBytesSent: { in: [], out: ['NewTotalBytesSent'] },
  GetTotalBytesReceived: { in: [], out: ['NewTotalBytesReceived'] },
  GetTotalPacketsSent: { in: [], out: ['NewTotalPacketsSent'] },
  GetTotalPacketsReceived: { in: [], out: ['NewTotalPacketsReceived'] },
};

export function serviceDescription(service: 'IPConn' | 'CmnIfCfg' | 'L3F'): string {
  const names = Object.keys(ACTIONS).filter((a) => (service === 'CmnIfCfg') === (a.startsWith('GetTotal') || a === 'GetCommonLinkProperties') && service !== 'L3F');
  const arg = (n: string, dir: string) => `<argument><name>${n}</name><direction>${dir}</direction><relatedStateVariable>${n.replace(/^New/, '')}</relatedStateVariable></argument>`;
  const actions = names
    .map((a) => `<action><name>${a}</name><argumentList>${ACTIONS[a].in.map((n) => arg(n, 'in')).join('')}${ACTIONS[a].out.map((n) => arg(n, 'out')).join('')}</argumentList></action>`)
    .join('');
  const vars = [...new Set(names.flatMap((a) => [...ACTIONS[a].in, ...ACTIONS[a].out]).map((n) => n.replace(/^New/, '')))]
    .map((v) => `<stateVariable sendEvents="no"><name>${v}</name><dataType>${/Port$|Duration|Bytes|Packets|Uptime|BitRate|Index/.test(v) ? 'ui4' : 'string'}</dataType></stateVariable>`)
    .join('');
  return `<?xml version="1.0"?>\n<scpd xmlns="urn:schemas-upnp-org:service-1-0"><specVersion><major>1</major><minor>0</minor></specVersion><actionList>${actions}</actionList><serviceStateTable>${vars}</serviceStateTable></scpd>\n`;
}

export interface SoapCall {
  action: string;
  args: Record<string, string>;
}

/** The action and its arguments from a SOAP request (namespace prefixes vary by client). */
export function parseSoap(body: string, soapAction?: string): SoapCall | null {
  const fromHeader = soapAction ? /#([A-Za-z]+)"?\s*$/.exec(soapAction)?.[1] : undefined;
  const bodyMatch = /<(?:[\w-]+:)?Body[^>]*>\s*<(?:([\w-]+):)?([A-Za-z]+)[\s>/]/.exec(body);
  const action = fromHeader ?? bodyMatch?.[2];
  if (!action) return null;
  const args: Record<string, string> = {};
  for (const m of body.matchAll(/<(New[A-Za-z]+)\s*>([^<]*)<\/\1>/g)) args[m[1]] = m[2].trim();
  for (const m of body.matchAll(/<(New[A-Za-z]+)\s*\/>/g)) args[m[1]] = '';
  return { action, args };
}

function soapResponse(service: string, action: string, out: Record<string, string | number>): string {
  const fields = Object.entries(out)
    .map(([k, v]) => `<${k}>${esc(String(v))}</${k}>`)
    .join('');
  return `<?xml version="1.0"?>\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><u:${action}Response xmlns:u="${service}">${fields}</u:${action}Response></s:Body></s:Envelope>\n`;
}

function soapFault(code: number, description: string): string {
  return `<?xml version="1.0"?>\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body><s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>${code}</errorCode><errorDescription>${esc(description)}</errorDescription></UPnPError></detail></s:Fault></s:Body></s:Envelope>\n`;
}

export interface IgdContext {
  table: MappingTable;
  /** what the router answers as its external address (a wrong one in "mismatch" mode) */
  externalAddress: string;
  now: number;
  /** the address the SOAP request came from: clients may only map to themselves */
  requester: string;
  startedAt: number;
}

export interface IgdResult {
  status: number;
  body: string;
  /** forwards to add or remove as a consequence */
  added?: import('./mappings.ts').Mapping;
  removed?: import('./mappings.ts').Mapping[];
}

function proto(v: string | undefined): Proto {
  const p = (v ?? '').toUpperCase();
  if (p !== 'TCP' && p !== 'UDP') throw new MappingError(402, `Invalid Args: NewProtocol must be TCP or UDP, got "${v}"`);
  return p;
}
function port(v: string | undefined, name: string, allowZero = false): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) throw new MappingError(402, `Invalid Args: ${name} must be a port, got "${v}"`);
  return n;
}

export function handleSoap(call: SoapCall, ctx: IgdContext): IgdResult {
  const spec = ACTIONS[call.action];
  if (!spec) return { status: 500, body: soapFault(401, `Invalid Action ${call.action}`) };
  const service = call.action === 'GetCommonLinkProperties' || call.action.startsWith('GetTotal') ? WANCFG : WANIP;
  const ok = (out: Record<string, string | number> = {}) => ({ status: 200, body: soapResponse(service, call.action, out) });
  const a = call.args;
  try {
    switch (call.action) {
      case 'GetExternalIPAddress':
        return ok({ NewExternalIPAddress: ctx.externalAddress });
      case 'GetStatusInfo':
        return ok({ NewConnectionStatus: 'Connected', NewLastConnectionError: 'ERROR_NONE', NewUptime: Math.floor((ctx.now - ctx.startedAt) / 1000) });
      case 'GetConnectionTypeInfo':
        return ok({ NewConnectionType: 'IP_Routed', NewPossibleConnectionTypes: 'IP_Routed' });
      case 'GetCommonLinkProperties':
        return ok({ NewWANAccessType: 'Ethernet', NewLayer1UpstreamMaxBitRate: 1_000_000, NewLayer1DownstreamMaxBitRate: 8_000_000, NewPhysicalLinkStatus: 'Up' });
      case 'GetTotalBytesSent':
      case 'GetTotalBytesReceived':
      case 'GetTotalPacketsSent':
      case 'GetTotalPacketsReceived':
        return ok({ [spec.out[0]]: 0 });
      case 'AddPortMapping':
      case 'AddAnyPortMapping': {
        const internalClient = a.NewInternalClient ?? '';
        if (internalClient !== ctx.requester) throw new MappingError(606, `Action not authorized: ${ctx.requester} may not map to ${internalClient}`);
        const any = call.action === 'AddAnyPortMapping';
        const { mapping, replaced } = ctx.table.add(
          {
            externalPort: port(a.NewExternalPort, 'NewExternalPort', any),
            proto: proto(a.NewProtocol),
            internalClient,
            internalPort: port(a.NewInternalPort, 'NewInternalPort'),
            description: a.NewPortMappingDescription ?? '',
            via: 'upnp',
            leaseSec: Number(a.NewLeaseDuration) || 0,
          },
          ctx.now,
          any,
        );
        return { ...ok(any ? { NewReservedPort: mapping.externalPort } : {}), added: mapping, removed: replaced ? [replaced] : [] };
      }
      case 'DeletePortMapping': {
        const m = ctx.table.remove(port(a.NewExternalPort, 'NewExternalPort'), proto(a.NewProtocol || 'TCP'), ctx.now);
        return { ...ok(), removed: [m] };
      }
      case 'GetSpecificPortMappingEntry': {
        const m = ctx.table.get(port(a.NewExternalPort, 'NewExternalPort'), proto(a.NewProtocol), ctx.now);
        if (!m) throw new MappingError(714, 'NoSuchEntryInArray');
        return ok({
          NewInternalPort: m.internalPort,
          NewInternalClient: m.internalClient,
          NewEnabled: 1,
          NewPortMappingDescription: m.description,
          NewLeaseDuration: Math.max(0, Math.round((m.expires - ctx.now) / 1000)),
        });
      }
      case 'GetGenericPortMappingEntry': {
        const i = Number(a.NewPortMappingIndex);
        const m = ctx.table.list(ctx.now)[i];
        if (!Number.isInteger(i) || !m) throw new MappingError(713, 'SpecifiedArrayIndexInvalid');
        return ok({
          NewRemoteHost: '',
          NewExternalPort: m.externalPort,
          NewProtocol: m.proto,
          NewInternalPort: m.internalPort,
          NewInternalClient: m.internalClient,
          NewEnabled: 1,
          NewPortMappingDescription: m.description,
          NewLeaseDuration: Math.max(0, Math.round((m.expires - ctx.now) / 1000)),
        });
      }
    }
  } catch (err) {
    if (err instanceof MappingError) return { status: 500, body: soapFault(err.code, err.message) };
    throw err;
  }
  return { status: 500, body: soapFault(401, `Invalid Action ${call.action}`) };
}
