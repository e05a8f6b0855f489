package org.klp.cli.operation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.klp.cli.ExitCode;
import org.klp.cli.Host;
import org.klp.cli.SimHostFixture;
import org.klp.cli.TestRepository;
import org.klp.cli.UsageException;
import org.klp.kernel.apply.ApplyResult;
import org.klp.kernel.apply.OnTimeout;

/** The operations as the agent calls them: typed requests in, typed outcomes out, nothing printed. */
class OperationsTest {

    static final Deadline DEADLINE = new Deadline(Duration.ofSeconds(30), OnTimeout.REVERT);

    @TempDir
    static Path shared;
    static Path repo;
    static Path trusted;

    @TempDir
    Path tmp;
    SimHostFixture fixture;
    List<String> progress = new ArrayList<>();

    @BeforeAll
    static void publish() {
        repo = TestRepository.build(shared.resolve("repo"), 3);
        trusted = TestRepository.publicKey(shared.resolve("keys"), TestRepository.key());
    }

    @BeforeEach
    void setUp() {
        fixture = new SimHostFixture(tmp);
    }

    private Operations operations() {
        return new Operations(Host.open(fixture.root, SimHostFixture.CLOCK), progress::add);
    }

    @Test
    void applyReturnsTheKernelResultWithTheRecordsOfBeforeAndTarget() {
        Outcome first = operations().apply(new Operations.ApplyRequest(Path.of(fixture.module(1)), Optional.of(Path.of(fixture.record(1))), DEADLINE));
        Outcome.Changed c = (Outcome.Changed) first;
        assertThat(c.result()).isInstanceOf(ApplyResult.Completed.class);
        assertThat(c.kind()).isEqualTo("completed");
        assertThat(c.exitCode()).isEqualTo(ExitCode.OK);
        assertThat(c.before()).isEmpty();
        assertThat(c.target()).map(r -> r.livePatch().version()).contains(1);

        Outcome.Changed again = (Outcome.Changed) operations().apply(new Operations.ApplyRequest(Path.of(fixture.module(1)), Optional.empty(), DEADLINE));
        assertThat(again.result()).isInstanceOf(ApplyResult.AlreadyActive.class);
        assertThat(again.kind()).isEqualTo("unchanged");
    }

    @Test
    void updateDryRunSaysWhatWouldComeAndChangesNothing() {
        Outcome o = operations().update(new Operations.UpdateRequest(List.of(repo.toUri().toString()), Optional.of(trusted), Optional.empty(), true,
                DEADLINE));
        Outcome.WouldUpdate w = (Outcome.WouldUpdate) o;
        assertThat(w.from()).isZero();
        assertThat(w.to()).isEqualTo(3);
        assertThat(w.change().gained()).hasSize(2);
        assertThat(Host.open(fixture.root, SimHostFixture.CLOCK).reader().snapshot().patches()).isEmpty();
    }

    @Test
    void updateInstallsAndAppliesThenIsUpToDate() {
        Operations.UpdateRequest request = new Operations.UpdateRequest(List.of(repo.toUri().toString()), Optional.of(trusted), Optional.empty(),
                false, DEADLINE);
        Outcome.Changed c = (Outcome.Changed) operations().update(request);
        assertThat(c.operation()).isEqualTo("update");
        assertThat(c.result().activeAfter()).contains("klp_lp_v3");
        assertThat(progress).anyMatch(l -> l.startsWith("downloading"));
        Outcome.UpToDate u = (Outcome.UpToDate) operations().update(request);
        assertThat(u.version()).isEqualTo(3);
    }

    @Test
    void aDowngradeTheConfirmationDeclinesChangesNothing() {
        Operations.UpdateRequest update = new Operations.UpdateRequest(List.of(repo.toUri().toString()), Optional.of(trusted), Optional.empty(),
                false, DEADLINE);
        operations().update(update);
        List<DowngradePlan> shown = new ArrayList<>();
        Outcome o = operations().downgrade(new Operations.DowngradeRequest(Optional.empty(), Optional.of(1), Optional.empty(),
                List.of(repo.toUri().toString()), Optional.of(trusted), DEADLINE), plan -> shown.add(plan) && false);
        assertThat(o).isInstanceOf(Outcome.Cancelled.class);
        assertThat(shown).singleElement().satisfies(p -> {
            assertThat(p.targetVersion()).isEqualTo(1);
            assertThat(p.change()).hasValueSatisfying(ch -> assertThat(ch.dropped()).hasSize(2));
        });
        assertThat(Host.open(fixture.root, SimHostFixture.CLOCK).reader().snapshot().active()).map(a -> a.name()).contains("klp_lp_v3");

        Outcome.Changed done = (Outcome.Changed) operations().downgrade(new Operations.DowngradeRequest(Optional.empty(), Optional.of(1),
                Optional.empty(), List.of(repo.toUri().toString()), Optional.of(trusted), DEADLINE), plan -> true);
        assertThat(done.result().activeAfter()).contains("klp_lp_v1");
    }

    @Test
    void restoreWithNothingRecordedSaysWhy() {
        Outcome.NothingToRestore n = (Outcome.NothingToRestore) operations().restore(DEADLINE);
        assertThat(n.reason()).isEqualTo("the host record names no active live patch");
        assertThat(n.failure()).isFalse();
    }

    @Test
    void disableRevertAndForceRefuseWhatCannotBeDone() {
        assertThatThrownBy(() -> operations().disable(Optional.empty(), DEADLINE)).isInstanceOf(UsageException.class)
                .hasMessageContaining("nothing to disable");
        assertThatThrownBy(() -> operations().revert(Duration.ofSeconds(1))).isInstanceOf(UsageException.class);
        assertThatThrownBy(() -> operations().force(Duration.ofSeconds(1))).isInstanceOf(UsageException.class);
    }
}
