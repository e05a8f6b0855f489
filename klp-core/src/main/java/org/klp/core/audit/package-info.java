/**
 * The fleet CVE audit: for every (host, CVE) pair a {@link org.klp.core.audit.Verdict} with
 * {@link org.klp.core.audit.Evidence}, computed per posture class and joined to hosts.
 *
 * <h2>Inputs</h2>
 * <ul>
 *   <li>{@link org.klp.core.audit.CveRecord}: the CVE feed (score, vector, category, whether a live
 *       patch is possible, affected streams with their first fixed release).</li>
 *   <li>{@link org.klp.core.audit.CatalogKernel} and {@link org.klp.core.patch.LivePatchPackage}:
 *       the catalog. Which live patch versions carry a CVE is read from the packages' fixes.</li>
 *   <li>{@link org.klp.core.audit.HostFacts}: a host's last check-in ({@link org.klp.core.audit.Posture}),
 *       its group and the pin its group's policy sets for its kernel, its installed kernels, and
 *       its check-in deadline.</li>
 * </ul>
 *
 * <h2>Engines</h2>
 * {@link org.klp.core.audit.PostureAudit} is the one the server keeps in memory and updates on
 * every event; {@link org.klp.core.audit.NaiveAudit} computes one pair at a time the obvious way
 * and is the oracle of the property test and the baseline of the benchmark;
 * {@link org.klp.core.audit.SyntheticFleet} generates benchmark fleets.
 *
 * <h2>Reports</h2>
 * {@link org.klp.core.audit.CveExposure} (one CVE across the fleet), {@link org.klp.core.audit.HostReport}
 * (one host), {@link org.klp.core.audit.FleetSummary}, {@link org.klp.core.audit.WhatIfReport},
 * {@link org.klp.core.audit.SupportEntry} and {@link org.klp.core.audit.RebootPlan} (lifecycle),
 * {@link org.klp.core.audit.StreamCoverage} (the publisher's view).
 */
package org.klp.core.audit;
