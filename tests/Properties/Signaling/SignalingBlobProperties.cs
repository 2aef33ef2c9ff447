using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using RtcScamp.Wire.Signaling;

namespace RtcScamp.Tests.Signaling;

[Properties(Arbitrary = [typeof(SignalingArbitraries)], MaxTest = 300)]
public class SignalingBlobProperties
{
    private const string Substitutes = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_+/=. \n\u00e9";

    [Property]
    public bool Arbitrary_blobs_round_trip(SignalingBlob blob)
    {
        string text = blob.Encode();
        return text.Length == blob.EncodedLength
            && SignalingBlob.TryDecode(text, out SignalingBlob back, out string error) == SignalingDecodeResult.Ok
            && error.Length == 0
            && back.Equals(blob)
            && back.IceUfrag == blob.IceUfrag
            && back.IcePassword == blob.IcePassword
            && back.Encode() == text;
    }

    [Property]
    public Property Any_single_character_substitution_is_detected(SignalingBlob blob) =>
        Prop.ForAll(
            (from position in Gen.Choose(0, blob.EncodedLength - 1)
             from replacement in Gen.Elements(Substitutes.ToCharArray())
             select (position, replacement)).ToArbitrary(),
            change =>
            {
                char[] text = blob.Encode().ToCharArray();
                if (text[change.position] == change.replacement)
                {
                    return true;
                }

                text[change.position] = change.replacement;
                return SignalingBlob.Decode(text, out _).Result != SignalingDecodeResult.Ok;
            });

    [Property(MaxTest = 100)]
    public bool Every_substitution_at_every_position_is_detected(SignalingBlob blob)
    {
        char[] text = blob.Encode().ToCharArray();
        for (int i = 0; i < text.Length; i++)
        {
            char original = text[i];
            foreach (char c in Substitutes)
            {
                if (c == original)
                {
                    continue;
                }

                text[i] = c;
                if (SignalingBlob.Decode(text, out _).Result == SignalingDecodeResult.Ok)
                {
                    return false;
                }
            }

            text[i] = original;
        }

        return true;
    }

    [Property]
    public bool Truncation_at_every_length_is_detected(SignalingBlob blob)
    {
        string text = blob.Encode();
        for (int n = 0; n < text.Length; n++)
        {
            SignalingDecodeResult result = SignalingBlob.Decode(text.AsSpan(0, n), out _).Result;
            if (result == SignalingDecodeResult.Ok || (n >= 20 && result != SignalingDecodeResult.Truncated))
            {
                return false;
            }
        }

        return true;
    }

    [Property]
    public bool Adjacent_transpositions_are_detected(SignalingBlob blob)
    {
        char[] text = blob.Encode().ToCharArray();
        for (int i = 0; i + 1 < text.Length; i++)
        {
            if (text[i] == text[i + 1])
            {
                continue;
            }

            (text[i], text[i + 1]) = (text[i + 1], text[i]);
            bool detected = SignalingBlob.Decode(text, out _).Result != SignalingDecodeResult.Ok;
            (text[i], text[i + 1]) = (text[i + 1], text[i]);
            if (!detected)
            {
                return false;
            }
        }

        return true;
    }

    // Deletions and insertions shift the text; they are caught by the length byte or, failing
    // that, by the CRC (probability 2^-32 of a miss), so this is a statistical property.
    [Property]
    public Property Deleted_or_inserted_characters_are_detected(SignalingBlob blob) =>
        Prop.ForAll(
            (from position in Gen.Choose(0, blob.EncodedLength - 1)
             from insert in Gen.Elements(false, true)
             from c in Gen.Elements(Substitutes.ToCharArray())
             select (position, insert, c)).ToArbitrary(),
            edit =>
            {
                string text = blob.Encode();
                string changed = edit.insert ? text.Insert(edit.position, edit.c.ToString()) : text.Remove(edit.position, 1);
                return changed.Trim() == text || SignalingBlob.Decode(changed, out _).Result != SignalingDecodeResult.Ok;
            });

    [Property]
    public Property Host_and_srflx_ipv4_offers_fit_in_100_characters() =>
        Prop.ForAll(SignalingGen.HostSrflxOffer.ToArbitrary(), blob => blob.Encode().Length <= 100);

    [Property]
    public Property Arbitrary_text_never_throws_and_never_decodes_by_accident() =>
        Prop.ForAll(
            Gen.OneOf(
                    Gen.ArrayOf(Gen.Elements(Substitutes.ToCharArray())).Select(c => new string(c)),
                    Gen.ArrayOf(Gen.Elements(Substitutes.ToCharArray())).Select(c => "rs1" + new string(c)),
                    Gen.Choose(60, 200).SelectMany(n => Gen.ArrayOf(Gen.Elements("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".ToCharArray()), n)).Select(c => "rs1" + new string(c)))
                .ToArbitrary(),
            text =>
            {
                SignalingDecodeResult result = SignalingBlob.TryDecode(text, out _, out string error);
                return result != SignalingDecodeResult.Ok && error.Length > 0;
            });
}
