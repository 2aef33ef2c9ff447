// Peer for WeriftInteropTests: werift-sctp (a TypeScript port of aiortc's SCTP) over plain UDP on
// loopback. Echoes every message back on its stream with its PPID; logs state changes and stream
// resets to stdout for the test to read. Usage: node werift-echo.js <werift-sctp dir> <peer port> <client|server>
const dgram = require("dgram");
const [, , moduleDir, peerPort, role] = process.argv;
const { SCTP, createUdpTransport } = require(moduleDir);

const socket = dgram.createSocket("udp4");
socket.bind(0, "127.0.0.1", async () => {
  const transport = createUdpTransport(socket, { address: "127.0.0.1", port: Number(peerPort) });
  const sctp = role === "client" ? SCTP.client(transport, 5000) : SCTP.server(transport, 5000);
  sctp.onReceive.subscribe((streamId, ppid, data) => {
    sctp.send(streamId, ppid, data).catch((e) => console.log("send-error " + e));
  });
  sctp.onReconfigStreams.subscribe((ids) => console.log("reconfig " + ids.join(",")));
  sctp.stateChanged.connected.subscribe(() => console.log("connected"));
  sctp.stateChanged.closed.subscribe(() => console.log("closed"));
  console.log("ready " + socket.address().port);
  await sctp.start(5000);
});
