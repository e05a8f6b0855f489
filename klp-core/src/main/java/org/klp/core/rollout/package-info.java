/**
 * Group policies and staged rollouts as closed types, and the rules over them, pure.
 *
 * <ul>
 *   <li>{@link org.klp.core.rollout.GroupPolicy}: a group's {@link org.klp.core.rollout.UpdatePolicy}
 *       (latest, pin, staged with its canary group, soak time and number of canaries), kernel lock,
 *       {@link org.klp.core.rollout.OnTimeout} (revert, force, wait) and transition deadline, every
 *       value ranged.</li>
 *   <li>{@link org.klp.core.rollout.Rollout} and its {@link org.klp.core.rollout.RolloutState}, whose
 *       legal moves are the only ones a rollout makes.</li>
 *   <li>{@link org.klp.core.rollout.RolloutRule}: from what the canaries report
 *       ({@link org.klp.core.rollout.CanaryReport}, {@link org.klp.core.rollout.CanaryEvent}), halt
 *       (a {@link org.klp.core.rollout.HaltSignal}), promote on evidence, hold, or wait
 *       ({@link org.klp.core.rollout.RolloutDecision}).</li>
 * </ul>
 * The server stores these and feeds the rule; nothing here reads a clock or a database.
 */
package org.klp.core.rollout;
