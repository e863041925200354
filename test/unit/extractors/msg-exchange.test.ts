/** Outlook messages whose sender has only an Exchange directory name: it is not taken for an e-mail address. */
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir } from '../../helpers/fixtures';
import { compoundFile } from './cfb-fixture';
import { extractOk } from './helpers';

const fx = fixtureDir('quarry-msg-ex-');
afterAll(() => fx.cleanup());

const DN = '/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=ANN';
const s = (t: string) => Buffer.from(t, 'utf16le');

function message(extra: Array<{ name: string; data: Buffer }> = []): Buffer {
  return compoundFile([
    { name: '__properties_version1.0', data: Buffer.alloc(32) },
    { name: '__substg1.0_0037001F', data: s('Hello') },
    { name: '__substg1.0_0C1A001F', data: s('Ann Lee') },
    { name: '__substg1.0_0C1F001F', data: s(DN) },
    { name: '__substg1.0_1000001F', data: s('Body text') },
    ...extra,
  ]);
}

describe('Outlook sender with an Exchange directory name', () => {
  it('the directory name is kept as such, never as an e-mail address or entity', async () => {
    const r = await extractOk(fx.write('ex.msg', message()));
    expect([r.metadata.from, r.metadata.senderDirectoryName]).toEqual(['Ann Lee', DN]);
    expect(r.entities.filter((e) => e.type === 'email')).toEqual([]);
  });

  it('an SMTP address, when the message has one, is the address', async () => {
    const r = await extractOk(fx.write('ex2.msg', message([{ name: '__substg1.0_5D01001F', data: s('ann@example.org') }])));
    expect([r.metadata.from, r.entities.find((e) => e.type === 'email')?.value]).toEqual(['Ann Lee <ann@example.org>', 'ann@example.org']);
  });
});
