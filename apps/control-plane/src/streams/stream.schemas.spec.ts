import fc from 'fast-check';
import { SrtPublishSettingsSchema } from '@mediaplane/contracts';
import { CreateStreamRequestSchema, UpdateStreamRequestSchema, mergeSrtSettings } from './stream.schemas';
import { describeZodIssues } from '../http/describe-zod-issues';

describe('SRT settings in stream requests', () => {
  const createError = (srt: unknown) => {
    const parsed = CreateStreamRequestSchema.safeParse({ name: 'a', srt });
    return parsed.success ? undefined : describeZodIssues(parsed.error);
  };

  it.each([
    [{ passphrase: 'short' }, /srt\.passphrase: must be at least 10 characters/],
    [{ passphrase: 'x'.repeat(80) }, /srt\.passphrase: must be at most 79 characters/],
    [{ passphrase: 'has&ampersand-in-it' }, /srt\.passphrase: may contain only letters, digits and - \. _ ~/],
    [{ passphrase: 'with a space!' }, /srt\.passphrase: may contain only/],
    [{ passphrase: 'ok-passphrase', keyLength: 20 }, /srt\.keyLength: must be 16, 24 or 32/],
    [{ keyLength: 24 }, /srt\.keyLength: applies only with a passphrase/],
    [{ latencyMs: 19 }, /srt\.latencyMs: must be at least 20 ms/],
    [{ latencyMs: 8001 }, /srt\.latencyMs: must be at most 8000 ms/],
    [{ latencyMs: 120.5 }, /srt\.latencyMs: must be a whole number/],
    [{ latency: 120 }, /srt\.latency: is not a known field/],
  ])('refuses %j naming the field', (srt, message) => {
    expect(createError(srt)).toMatch(message);
  });

  it('never echoes a refused passphrase in its message', () => {
    expect(createError({ passphrase: 'secret&value' })).not.toContain('secret&value');
  });

  it('accepts every passphrase that fits the contract and the URL verbatim', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9._~-]{10,79}$/),
        fc.constantFrom(16, 24, 32),
        fc.integer({ min: 20, max: 8000 }),
        (passphrase, keyLength, latencyMs) => {
          const parsed = CreateStreamRequestSchema.parse({ name: 'a', srt: { passphrase, keyLength, latencyMs } });
          expect(SrtPublishSettingsSchema.parse(parsed.srt)).toEqual({ passphrase, keyLength, latencyMs });
          expect(encodeURIComponent(passphrase)).toBe(passphrase);
        },
      ),
    );
  });

  it('takes null to remove a setting in an update, and nothing but srt', () => {
    expect(UpdateStreamRequestSchema.parse({ srt: { passphrase: null, latencyMs: null } })).toEqual({ srt: { passphrase: null, latencyMs: null } });
    expect(UpdateStreamRequestSchema.safeParse({ srt: {}, name: 'x' }).success).toBe(false);
    expect(UpdateStreamRequestSchema.safeParse({}).success).toBe(false);
  });
});

describe('mergeSrtSettings', () => {
  const current = { passphrase: 'old-passphrase', keyLength: 32 as const, latencyMs: 200 };

  it('keeps absent fields and replaces given ones', () => {
    expect(mergeSrtSettings(current, { latencyMs: 400 })).toEqual({ ok: true, settings: { ...current, latencyMs: 400 } });
    expect(mergeSrtSettings(undefined, { passphrase: 'new-passphrase' })).toEqual({ ok: true, settings: { passphrase: 'new-passphrase' } });
  });

  it('removes the passphrase with its key length on null, and leaves nothing when nothing is left', () => {
    expect(mergeSrtSettings(current, { passphrase: null })).toEqual({ ok: true, settings: { latencyMs: 200 } });
    expect(mergeSrtSettings(current, { passphrase: null, latencyMs: null })).toEqual({ ok: true, settings: undefined });
  });

  it('refuses a key length for a stream without a passphrase', () => {
    expect(mergeSrtSettings({ latencyMs: 200 }, { keyLength: 24 })).toEqual({ ok: false, message: 'srt.keyLength: applies only with a passphrase' });
    expect(mergeSrtSettings(current, { passphrase: null, keyLength: 24 })).toMatchObject({ ok: false });
  });
});
