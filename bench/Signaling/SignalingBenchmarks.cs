using System.Net;
using BenchmarkDotNet.Attributes;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Bench.Signaling;

/// <summary>
/// Compact signaling string codec: encode to a caller buffer (no allocation), encode to a new
/// string (one allocation: the result), decode (no allocation), and decode of a corrupted string.
/// </summary>
[MemoryDiagnoser]
public class SignalingBenchmarks
{
    private readonly char[] _buffer = new char[SignalingBlob.MaxTextLength];
    private SignalingBlob _offer;
    private SignalingBlob _browserAnswer;
    private string _offerText = string.Empty;
    private string _browserText = string.Empty;
    private string _corruptText = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        byte[] fingerprint = Convert.FromHexString("1E8C9C3DD8200D836D5EFF6992857C6EAB6DCC39B7E6D2814A018FAAC61EB48E");
        _offer = SignalingBlob.WithSecret(
            SignalingRole.Offer,
            DtlsSetup.ActPass,
            fingerprint,
            new byte[16] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 },
            [
                SignalingCandidate.FromIPAddress(IceCandidateType.Host, IPAddress.Parse("192.0.2.10"), 50000),
                SignalingCandidate.FromIPAddress(IceCandidateType.ServerReflexive, IPAddress.Parse("198.51.100.7"), 61000),
            ]);
        _browserAnswer = SignalingBlob.WithCredentials(
            SignalingRole.Answer,
            DtlsSetup.Active,
            fingerprint,
            "pVur",
            "L75vufVF31PIdelogd7nJ2cO",
            [SignalingCandidate.FromIPAddress(IceCandidateType.PeerReflexive, IPAddress.Parse("2001:db8::7"), 57409)]);
        _offerText = _offer.Encode();
        _browserText = _browserAnswer.Encode();
        char[] corrupt = _offerText.ToCharArray();
        corrupt[50] = corrupt[50] == 'x' ? 'y' : 'x';
        _corruptText = new string(corrupt);
    }

    [Benchmark]
    public int EncodeOfferToBuffer()
    {
        _offer.TryEncode(_buffer, out int written);
        return written;
    }

    [Benchmark]
    public string EncodeOfferToString() => _offer.Encode();

    [Benchmark]
    public int EncodeBrowserAnswerToBuffer()
    {
        _browserAnswer.TryEncode(_buffer, out int written);
        return written;
    }

    [Benchmark]
    public SignalingDecodeResult DecodeOffer() => SignalingBlob.Decode(_offerText, out _).Result;

    [Benchmark]
    public SignalingDecodeResult DecodeBrowserAnswer() => SignalingBlob.Decode(_browserText, out _).Result;

    [Benchmark]
    public SignalingDecodeResult DecodeCorrupted() => SignalingBlob.Decode(_corruptText, out _).Result;
}
