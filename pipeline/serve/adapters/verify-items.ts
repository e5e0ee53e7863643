import type { ItemResult, RewardService, VerifyItem, VerifyOptions } from '../reward-contract.ts';

/**
 * `service.verify`, with the results put back in the items' order by id (adapters give items
 * their position as id). A missing result is a broken contract, not a verdict: it throws (500).
 */
export async function verifyInOrder(service: RewardService, items: readonly VerifyItem[], options: VerifyOptions): Promise<ItemResult[]> {
  if (items.length === 0) return [];
  const results = await service.verify(items, options);
  const byId = new Map(results.map((r) => [r.id, r]));
  return items.map((item) => {
    const result = byId.get(item.id);
    if (result === undefined) throw new Error(`Expected a result for item ${JSON.stringify(item.id)} from RewardService.verify, got ${results.length} results without it`);
    return result;
  });
}
