using System.Reflection;
using System.Reflection.Emit;
using RtcScamp.Engine;
using RtcScamp.Wire;
using Xunit;

namespace RtcScamp.Tests.Engine;

/// <summary>
/// The simulator prefetches only the first <see cref="ScampNode.HotPrefixBytes"/> of a node (the fields a message
/// handler reads); this checks that the runtime's field layout still puts them there, so a reordered field shows up
/// here instead of as a silent slowdown at 10^6 nodes.
/// </summary>
public class ScampNodeLayoutTests
{
    [Fact]
    public void Fields_a_message_handler_reads_lie_in_the_prefetched_prefix()
    {
        var node = new ScampNode(new NodeId(1, 2), ScampOptions.Default, 1);
        string[] hot = ["_id", "_options", "_outbox", "_random", "_peers", "_seen", "_pvCount", "_state", "_nextTick", "_leaveDeadline"];
        foreach (string name in hot)
        {
            FieldInfo field = Field(name);
            long end = OffsetOf(node, field) + SizeOf(field.FieldType);
            Assert.True(end <= ScampNode.HotPrefixBytes, $"{name} ends at byte {end}, past the prefetched {ScampNode.HotPrefixBytes}");
        }

        // The counters a handler bumps are the first eight longs of NodeCounters.
        long counters = OffsetOf(node, Field("_counters"));
        Assert.True(counters + 64 <= ScampNode.HotPrefixBytes, $"the hot counters end at byte {counters + 64}");
        Assert.Equal(0, (int)System.Runtime.InteropServices.Marshal.OffsetOf<NodeCounters>(nameof(NodeCounters.MessagesReceived)));
        Assert.Equal(56, (int)System.Runtime.InteropServices.Marshal.OffsetOf<NodeCounters>(nameof(NodeCounters.BroadcastsForwarded)));

        // And the prefix is not much larger than it needs to be (each extra line is prefetched per event).
        Assert.True(counters + 64 > ScampNode.HotPrefixBytes - 64, "HotPrefixBytes could be smaller");
    }

    private static FieldInfo Field(string name) =>
        typeof(ScampNode).GetField(name, BindingFlags.Instance | BindingFlags.NonPublic) ?? throw new InvalidOperationException(name);

    private static int SizeOf(Type type) => type.IsValueType ? (int)typeof(System.Runtime.CompilerServices.Unsafe).GetMethod("SizeOf")!.MakeGenericMethod(type).Invoke(null, null)! : IntPtr.Size;

    /// <summary>Byte offset of <paramref name="field"/> from the object reference (the method-table pointer).</summary>
    private static long OffsetOf(object target, FieldInfo field)
    {
        var method = new DynamicMethod("offset", typeof(long), [typeof(object)], typeof(ScampNodeLayoutTests).Module, skipVisibility: true);
        ILGenerator il = method.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Ldflda, field);
        il.Emit(OpCodes.Conv_I8);
        il.Emit(OpCodes.Ldarg_0);
        il.Emit(OpCodes.Conv_I8);
        il.Emit(OpCodes.Sub);
        il.Emit(OpCodes.Ret);
        return ((Func<object, long>)method.CreateDelegate(typeof(Func<object, long>)))(target);
    }
}
