using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using RtcScamp.Transport.WebRtc.Dtls;
using RtcScamp.Transport.WebRtc.Identity;
using Xunit;

namespace RtcScamp.Tests.Dtls;

/// <summary>
/// Interop with an independent DTLS stack, the OpenSSL command line (`openssl s_server` / `s_client`
/// with `-dtls1_2`), over UDP on 127.0.0.1 only. Both sides present certificates; ours pins OpenSSL's.
/// Skipped when no `openssl` binary is installed.
/// </summary>
public sealed class OpenSslInteropTests : IDisposable
{
    private const int EcdheEcdsaAes128GcmSha256 = 0xC02B;
    private readonly string _dir = Directory.CreateTempSubdirectory("rtcscamp-dtls-").FullName;

    // Each suite our record layer runs, against OpenSSL's record layer (an independent implementation).
    [Theory]
    [InlineData(EcdheEcdsaAes128GcmSha256)]
    [InlineData(0xC02C)]
    [InlineData(0xCCA9)]
    public void Our_client_completes_a_mutual_handshake_with_openssl_s_server_and_exchanges_data(int suite)
    {
        string openssl = FindOpenSsl();
        using var socket = LoopbackSocket();
        int serverPort = FreeUdpPort();
        NodeIdentity opensslIdentity = NodeIdentity.Generate();
        (string cert, string key) = WriteIdentity(opensslIdentity);

        // -Verify 1: OpenSSL demands a client certificate (as Chromium does).
        using OpenSslProcess server = OpenSslProcess.Start(openssl, "s_server", "-dtls1_2", "-accept", $"127.0.0.1:{serverPort}", "-cert", cert, "-key", key, "-Verify", "1", "-naccept", "1");

        // s_server prints ACCEPT once its socket is bound; a ClientHello before that would cost a 1 s retransmit.
        Assert.True(SpinWait.SpinUntil(() => server.Output.Contains("ACCEPT", StringComparison.Ordinal), 5000), "openssl s_server did not start:\n" + server.Output);
        using var client = new DtlsEndpoint(NodeIdentity.Generate(), DtlsRole.Client, opensslIdentity.Fingerprint, new DtlsOptions { OfferedCipherSuites = [suite] });
        client.Start();
        Exchange(client, socket, new IPEndPoint(IPAddress.Loopback, serverPort), server, suite);
        Assert.Equal(opensslIdentity.NodeId, client.RemoteNodeId);
        Assert.True(client.UsesOwnRecordLayer, "the line each way went through our record layer, not BouncyCastle's");
    }

    [Fact]
    public void Openssl_s_client_completes_a_mutual_handshake_with_our_server_and_exchanges_data()
    {
        string openssl = FindOpenSsl();
        using var socket = LoopbackSocket();
        int ourPort = ((IPEndPoint)socket.LocalEndPoint!).Port;
        NodeIdentity opensslIdentity = NodeIdentity.Generate();
        (string cert, string key) = WriteIdentity(opensslIdentity);

        using var server = new DtlsEndpoint(NodeIdentity.Generate(), DtlsRole.Server, opensslIdentity.Fingerprint);
        server.Start();
        using OpenSslProcess client = OpenSslProcess.Start(openssl, "s_client", "-dtls1_2", "-connect", $"127.0.0.1:{ourPort}", "-cert", cert, "-key", key);
        Exchange(server, socket, peer: null, client, EcdheEcdsaAes128GcmSha256);
        Assert.Equal(opensslIdentity.NodeId, server.RemoteNodeId);
        Assert.True(server.UsesOwnRecordLayer, "the line each way went through our record layer, not BouncyCastle's");
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Drives the handshake over the socket, then sends a line each way.</summary>
    private static void Exchange(DtlsEndpoint endpoint, Socket socket, IPEndPoint? peer, OpenSslProcess openssl, int suite)
    {
        byte[] buffer = new byte[2048];
        var deadline = DateTime.UtcNow.AddSeconds(15);
        bool sent = false;
        string? reply = null;
        while (DateTime.UtcNow < deadline && reply is null && endpoint.State is DtlsState.Handshaking or DtlsState.Connected)
        {
            while (peer is not null && endpoint.TryPollDatagram(buffer, out int length))
            {
                socket.SendTo(buffer.AsSpan(0, length), SocketFlags.None, peer);
            }

            if (socket.Poll(10_000, SelectMode.SelectRead))
            {
                EndPoint from = new IPEndPoint(IPAddress.Any, 0);
                int n = socket.ReceiveFrom(buffer, ref from);
                var source = (IPEndPoint)from;
                Assert.True(IPAddress.IsLoopback(source.Address));
                peer ??= source;
                if (source.Equals(peer))
                {
                    endpoint.HandleDatagram(buffer.AsSpan(0, n));
                }
            }

            if (endpoint.State == DtlsState.Connected && !sent)
            {
                // Ours to OpenSSL (it prints what it receives); OpenSSL's stdin to us.
                Assert.True(endpoint.Send(Encoding.ASCII.GetBytes("from-rtcscamp\n")));
                openssl.Write("from-openssl\n");
                sent = true;
            }

            if (endpoint.TryReceive(buffer, out int received))
            {
                reply = Encoding.ASCII.GetString(buffer, 0, received);
            }
        }

        Assert.True(endpoint.State == DtlsState.Connected, $"state {endpoint.State} ({endpoint.FailureReason}, alert {endpoint.FailureAlert}); openssl said:\n{openssl.Output}");
        Assert.Equal(suite, endpoint.NegotiatedCipherSuite);
        Assert.True(endpoint.NegotiatedExtendedMasterSecret);
        Assert.True(reply is not null, "no data from openssl:\n" + openssl.Output);
        Assert.Equal("from-openssl\n", reply);
        Assert.True(SpinWait.SpinUntil(() => openssl.Output.Contains("from-rtcscamp", StringComparison.Ordinal), 5000), "openssl did not print our data:\n" + openssl.Output);
    }

    private (string Cert, string Key) WriteIdentity(NodeIdentity identity)
    {
        string key = Path.Combine(_dir, "key.pem");
        string cert = Path.Combine(_dir, "cert.pem");
        File.WriteAllText(key, identity.ExportPem());
        File.WriteAllText(cert, new string(PemEncoding.Write("CERTIFICATE", identity.CertificateDer)));
        return (cert, key);
    }

    private static Socket LoopbackSocket()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return socket;
    }

    private static int FreeUdpPort()
    {
        using Socket probe = LoopbackSocket();
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    private static string FindOpenSsl()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            string candidate = Path.Combine(dir, "openssl");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        Assert.Skip("No openssl binary on PATH; the interop test needs `openssl s_server` / `s_client`.");
        return string.Empty;
    }

    private sealed class OpenSslProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private OpenSslProcess(Process process) => _process = process;

        public string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        public static OpenSslProcess Start(string openssl, params string[] args)
        {
            var start = new ProcessStartInfo(openssl)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (string arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            var result = new OpenSslProcess(Process.Start(start)!);
            result._process.OutputDataReceived += (_, e) => result.Append(e.Data);
            result._process.ErrorDataReceived += (_, e) => result.Append(e.Data);
            result._process.BeginOutputReadLine();
            result._process.BeginErrorReadLine();
            return result;
        }

        public void Write(string text)
        {
            _process.StandardInput.Write(text);
            _process.StandardInput.Flush();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.WaitForExit(5000);
            _process.Dispose();
        }

        private void Append(string? line)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
