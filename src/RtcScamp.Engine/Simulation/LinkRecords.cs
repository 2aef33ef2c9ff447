// The simulator's records of links that were closed or reconnected (SimNetwork: a link without a record is open
// exactly while its engines are connected, so most links never get one). A churn timeline leaves thousands of them and
// every message looks one up, so this is an open-addressing table of ulong keys with linear probing, a multiplicative
// hash and no deletion (a record lives as long as the network):
//
//   keys:   [ 0 | k7 | 0 | k2 | k9 | 0 | ... ]   0 = empty (a link key is never 0: its two indices differ)
//   values: [ - | v7 | - | v2 | v9 | - | ... ]   slot = (key · 2^64/φ) >> (64 − bits), then the next free slot
//
// The load factor stays at most 1/2, so a lookup reads one or two adjacent slots. (A Dictionary<ulong, uint> with the
// default hash, which xors the key's halves, put every pair with the same a ^ b in one chain: a 3000-node churn
// timeline spent 84 % of its time walking them.)
namespace RtcScamp.Engine.Simulation;

/// <summary>A map from non-zero link keys to 32-bit records; grows, never shrinks or deletes.</summary>
internal sealed class LinkRecords
{
    private ulong[] _keys = new ulong[16];
    private uint[] _values = new uint[16];
    private int _shift = 64 - 4;
    private int _count;

    /// <summary>Records held.</summary>
    public int Count => _count;

    /// <summary>The record of <paramref name="key"/>, if any.</summary>
    public bool TryGetValue(ulong key, out uint value)
    {
        ulong[] keys = _keys;
        int mask = keys.Length - 1;
        for (int i = Home(key); ; i = (i + 1) & mask)
        {
            ulong k = keys[i];
            if (k == key)
            {
                value = _values[i];
                return true;
            }

            if (k == 0)
            {
                value = 0;
                return false;
            }
        }
    }

    /// <summary>Sets the record of <paramref name="key"/> (which must not be 0).</summary>
    public void Set(ulong key, uint value)
    {
        if (key == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(key), "link keys are never 0");
        }

        int i = Find(key);
        if (_keys[i] == 0)
        {
            if (2 * (_count + 1) > _keys.Length)
            {
                Grow();
                i = Find(key);
            }

            _keys[i] = key;
            _count++;
        }

        _values[i] = value;
    }

    private int Home(ulong key) => (int)((key * 0x9E3779B97F4A7C15UL) >> _shift);

    /// <summary>The slot holding <paramref name="key"/>, or the empty slot where it would go.</summary>
    private int Find(ulong key)
    {
        int mask = _keys.Length - 1;
        int i = Home(key);
        while (_keys[i] != 0 && _keys[i] != key)
        {
            i = (i + 1) & mask;
        }

        return i;
    }

    private void Grow()
    {
        ulong[] oldKeys = _keys;
        uint[] oldValues = _values;
        _keys = new ulong[oldKeys.Length * 2];
        _values = new uint[oldKeys.Length * 2];
        _shift--;
        for (int j = 0; j < oldKeys.Length; j++)
        {
            if (oldKeys[j] != 0)
            {
                int i = Find(oldKeys[j]);
                _keys[i] = oldKeys[j];
                _values[i] = oldValues[j];
            }
        }
    }
}
