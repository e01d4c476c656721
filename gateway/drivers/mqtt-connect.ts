import net from 'node:net';
import tls from 'node:tls';
import mqtt, { MqttClient, type IClientOptions } from 'mqtt';

/**
 * mqtt.connect for mqtt:// and mqtts:// without the transports the URL does not use. mqtt.js's
 * connect() loads its WebSocket, SOCKS and TLS stream builders together on the first call (ws,
 * socks, ip-address, smart-buffer: 1.3 MB of V8 heap kept for the process's life), while the
 * gateway almost always speaks plain TCP or TLS. WebSocket URLs, unix sockets and a SOCKS proxy
 * (MQTTJS_SOCKS_PROXY) still go through mqtt.connect, which handles them.
 *
 * Options are interpreted as mqtt.connect does: host and port from the URL (1883 / 8883 by
 * default), user and password from the URL unless given, a client certificate turns mqtt:// into
 * mqtts://, SNI from a host name, and the TLS peer checked unless rejectUnauthorized is false.
 */
export function connectMqtt(url: string, options: IClientOptions): MqttClient {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return mqtt.connect(url, options);
  }
  const plain = u.protocol === 'mqtt:' || u.protocol === 'tcp:';
  const secure = u.protocol === 'mqtts:' || u.protocol === 'ssl:' || u.protocol === 'tls:';
  if ((!plain && !secure) || process.env['MQTTJS_SOCKS_PROXY'] || options.socksProxy) return mqtt.connect(url, options);

  const useTls = secure || Boolean(options.cert && options.key);
  // URL keeps an IPv6 literal in brackets; sockets want it bare.
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = u.port ? Number(u.port) : useTls ? 8883 : 1883;
  const opts: IClientOptions = {
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.searchParams.get('clientId') ? { clientId: u.searchParams.get('clientId')! } : {}),
    ...options,
    protocol: useTls ? 'mqtts' : 'mqtt',
    host,
    hostname: host,
    port,
  };
  const build = (client: MqttClient) => {
    if (!useTls) return net.createConnection({ host, port });
    const rejectUnauthorized = opts.rejectUnauthorized !== false;
    const socket = tls.connect({
      host, port, rejectUnauthorized,
      ...(net.isIP(host) === 0 ? { servername: opts.servername ?? host } : opts.servername ? { servername: opts.servername } : {}),
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.cert ? { cert: opts.cert } : {}),
      ...(opts.key ? { key: opts.key } : {}),
    });
    // As mqtt.js's own TLS builder: a handshake error reaches the client (so it is logged and the
    // connection counted as failed) only when the peer is checked, and ends the socket either way.
    const onError = (err: Error) => {
      if (rejectUnauthorized) client.emit('error', err);
      socket.end();
    };
    socket.on('error', onError);
    socket.on('secureConnect', () => {
      if (rejectUnauthorized && !socket.authorized) socket.emit('error', new Error('TLS not authorized'));
      else socket.off('error', onError);
    });
    return socket;
  };
  const client = new MqttClient(build, opts);
  // mqtt.connect adds this too: an 'error' with no listener would throw from the emitter.
  client.on('error', () => undefined);
  return client;
}
