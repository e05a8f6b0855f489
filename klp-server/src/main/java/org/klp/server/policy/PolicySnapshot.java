package org.klp.server.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jdbi.v3.core.Jdbi;
import org.klp.core.rollout.GroupPolicy;
import org.klp.core.rollout.Rollout;
import org.klp.server.store.CatalogStore;
import org.klp.server.store.KernelEntry;
import org.klp.server.store.PolicyStore;
import org.klp.server.store.Product;

/**
 * Everything a desired state depends on besides the host itself, read at one policy generation:
 * the catalog's kernels and their live patch versions, groups, pins and rollouts. Immutable, so
 * the check-in path reads it without locks; {@link PolicyEngine} swaps in a new one when the
 * generation changes.
 */
public record PolicySnapshot(long generation, Map<String, KernelInfo> kernels, Map<String, GroupPolicy> groups,
                             Map<String, Map<String, Integer>> pins, Map<String, Rollout> rollouts,
                             Map<String, List<String>> stagedGroupsByCanary) {

    /** A kernel in the catalog, its product, and its published live patch versions (ascending). */
    public record KernelInfo(KernelEntry entry, Product product, List<Integer> versions) {
        public int newest() {
            return versions.isEmpty() ? 0 : versions.get(versions.size() - 1);
        }
    }

    public static String rolloutKey(String group, String kernel, int version) {
        return group + "|" + kernel + "|" + version;
    }

    public static PolicySnapshot load(Jdbi jdbi, CatalogStore catalog, PolicyStore policies) {
        return jdbi.inTransaction(h -> {
            long generation = policies.generation(h);
            Map<Integer, Product> products = new HashMap<>();
            catalog.products().forEach(p -> products.put(p.id(), p));
            Map<String, TreeSet<Integer>> versions = new HashMap<>();
            // versions only: the fixes (a million rows in a large catalog) are not policy
            catalog.versions(h).forEach((kernel, v) -> versions.put(kernel, new TreeSet<>(v)));
            Map<String, KernelInfo> kernels = new HashMap<>();
            for (KernelEntry k : catalog.kernels()) {
                kernels.put(k.release().uname(), new KernelInfo(k, products.get(k.productId()),
                        List.copyOf(versions.getOrDefault(k.release().uname(), new TreeSet<>()))));
            }
            Map<String, GroupPolicy> groups = new HashMap<>();
            Map<String, List<String>> byCanary = new HashMap<>();
            for (GroupPolicy g : policies.groups(h)) {
                groups.put(g.name(), g);
                if (g.canaryGroup() != null) {
                    byCanary.computeIfAbsent(g.canaryGroup(), c -> new java.util.ArrayList<>()).add(g.name());
                }
            }
            Map<String, Map<String, Integer>> pins = new HashMap<>();
            for (PolicyStore.Pin p : policies.pins(h)) {
                pins.computeIfAbsent(p.group(), g -> new HashMap<>()).put(p.kernel(), p.version());
            }
            Map<String, Rollout> rollouts = new HashMap<>();
            for (Rollout r : policies.rollouts(h)) {
                rollouts.put(rolloutKey(r.group(), r.kernel(), r.version()), r);
            }
            byCanary.replaceAll((k, v) -> List.copyOf(v));
            return new PolicySnapshot(generation, Map.copyOf(kernels), Map.copyOf(groups), Map.copyOf(pins), Map.copyOf(rollouts),
                    Map.copyOf(byCanary));
        });
    }

    public GroupPolicy group(String name) {
        GroupPolicy g = groups.get(name);
        return g != null ? g : GroupPolicy.latest(name);
    }

    public Rollout rollout(String group, String kernel, int version) {
        return rollouts.get(rolloutKey(group, kernel, version));
    }
}
