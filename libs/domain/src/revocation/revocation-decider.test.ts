import { describe, it, expect } from '@jest/globals';
import type { RevocationEvent, VersionRef } from '@gilt/contracts';
import { decideRevocation, type RevocationCommand } from './revocation-decider.js';
import { evolveRevocation } from './revocation-state.js';
import { deciderSpec, SPEC_EPOCH } from '../testing/decider-spec.js';

const NOW = SPEC_EPOCH + 3_600_000;
const spec = deciderSpec({ decide: decideRevocation, evolve: evolveRevocation, context: () => NOW });

const V = 'ver-1';
const ROOT: VersionRef = { bucket: 'base', version_id: 'root-1' };
const OTHER: VersionRef = { bucket: 'base', version_id: 'root-2' };
const inHours = (h: number) => new Date(NOW + h * 3_600_000).toISOString();

const scheduled = (revoke_at: string, inherited_from: VersionRef | null): RevocationEvent => ({
  type: 'RevocationScheduled',
  bucket: 'app',
  version_id: V,
  revoke_at,
  reason: 'cve',
  revocation_type: inherited_from ? 'INHERITED' : 'MANUAL',
  inherited_from,
  skip_descendants: false,
  disable_rollback: false,
});
const inherit = (revoke_at: string, inherited_from: VersionRef): RevocationCommand => ({
  type: 'ScheduleRevocation',
  bucket: 'app',
  version_id: V,
  revoke_at,
  reason: 'cve',
  revocation_type: 'INHERITED',
  inherited_from,
  skip_descendants: false,
  disable_rollback: false,
});

describe('inherited schedules', () => {
  it('keep an earlier date the version has from elsewhere', () => {
    spec.given([scheduled(inHours(1), null)]).when(inherit(inHours(5), ROOT)).thenNothingChanged('already scheduled earlier');
    spec.given([scheduled(inHours(1), OTHER)]).when(inherit(inHours(5), ROOT)).thenNothingChanged('already scheduled earlier');
  });

  it('follow their own ancestor when it is rescheduled later', () => {
    const { state } = spec.given([scheduled(inHours(1), ROOT)]).when(inherit(inHours(5), ROOT)).then([scheduled(inHours(5), ROOT)], 'rescheduled');
    expect(state?.revoke_at).toBe(inHours(5));
  });
});

describe('revocation state', () => {
  it('remembers the position of its last change, restores and cancellations included', () => {
    const given: RevocationEvent[] = [scheduled(inHours(1), null), { type: 'RevocationCancelled', bucket: 'app', version_id: V, reason: null }];
    expect(spec.given(given).state()).toMatchObject({ status: 'none', changed_position: 2, revoked_position: null });
    const { state } = spec.given(given).when(inherit(inHours(2), ROOT)).then([scheduled(inHours(2), ROOT)]);
    expect(state).toMatchObject({ status: 'scheduled', changed_position: 3 });
  });
});
