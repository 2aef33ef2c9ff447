using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Transport.WebRtc.Sdp;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Tests.Signaling;

[Properties(Arbitrary = [typeof(SignalingArbitraries)], MaxTest = 300)]
public class SdpProperties
{
    private static readonly string s_sample = SdpWriter.Write(CompactSignaling.Expand(
        SignalingBlob.WithCredentials(
            SignalingRole.Offer,
            DtlsSetup.ActPass,
            new byte[32],
            "pVur",
            "L75vufVF31PIdelogd7nJ2cO",
            [new SignalingCandidate(IceCandidateType.Host, [192, 0, 2, 10], 50000), new SignalingCandidate(IceCandidateType.ServerReflexive, [198, 51, 100, 7], 61000)])));

    [Property]
    public Property Expanded_sdp_parses_and_compacts_back_to_the_same_fields() =>
        Prop.ForAll(SignalingGen.ConsistentBlob.ToArbitrary(), SurvivesExpandAndCompact);

    private static bool SurvivesExpandAndCompact(SignalingBlob blob)
    {
        string sdp = SdpWriter.Write(CompactSignaling.Expand(blob));
        if (SdpParser.TryParse(sdp, out SessionDescription? parsed, out _) != SdpParseResult.Ok
            || CompactSignaling.TryCompact(parsed!, out SignalingBlob back, out CompactionReport report, out _) != CompactResult.Ok)
        {
            return false;
        }

        return report.Dropped == 0
            && back.Role == blob.Role
            && back.Setup == blob.Setup
            && back.Fingerprint.SequenceEqual(blob.Fingerprint)
            && back.IceUfrag == blob.IceUfrag
            && back.IcePassword == blob.IcePassword
            && back.Candidates.SequenceEqual(blob.Candidates)
            && (back.MaxMessageSize ?? SignalingBlob.DefaultMaxMessageSize) == (blob.MaxMessageSize ?? SignalingBlob.DefaultMaxMessageSize)
            && sdp.Split("\r\n").Length == sdp.Split('\n').Length;
    }

    [Property]
    public bool Expanded_sdp_is_a_fixed_point_of_parse_and_write(SignalingBlob blob)
    {
        string sdp = SdpWriter.Write(CompactSignaling.Expand(blob));
        return SdpParser.TryParse(sdp, out SessionDescription? parsed, out _) == SdpParseResult.Ok
            && SdpWriter.Write(parsed!) == sdp;
    }

    [Property(MaxTest = 1000)]
    public Property Mangled_sdp_never_throws_and_reports_consistently() =>
        Prop.ForAll(
            Gen.OneOf(
                    // one character replaced
                    from i in Gen.Choose(0, s_sample.Length - 1)
                    from c in Gen.Elements(" :=\r\n\t/-.a0\u00e9\0".ToCharArray())
                    select s_sample[..i] + c + s_sample[(i + 1)..],

                    // a range deleted
                    from i in Gen.Choose(0, s_sample.Length - 1)
                    from n in Gen.Choose(0, 40)
                    select s_sample.Remove(i, Math.Min(n, s_sample.Length - i)),

                    // a range duplicated
                    from i in Gen.Choose(0, s_sample.Length - 1)
                    from n in Gen.Choose(0, 120)
                    select s_sample.Insert(i, s_sample.Substring(i, Math.Min(n, s_sample.Length - i))),

                    // noise
                    Gen.ArrayOf(Gen.Elements("v=0oamc \r\n:candidate1234567890.udptyphost".ToCharArray())).Select(a => "v=0\r\n" + new string(a)))
                .ToArbitrary(),
            text =>
            {
                SdpParseResult result = SdpParser.TryParse(text, out SessionDescription? sdp, out SdpParseError error);
                return result == SdpParseResult.Ok
                    ? sdp is not null && error.Result == SdpParseResult.Ok
                    : sdp is null && error.Result == result && error.ToString().Length > 0;
            });
}
