using FluentMigrator;

namespace Aventora.Persistence.Migrations;

/// <summary>
/// Release 1.27.0, "real-time voice": a call in stream mode holds a Twilio Media Stream. Its row says how the stream went,
/// so whichever Voice.Worker copy answers Twilio's TwiML fetch after the stream ends knows what to do next: hang up
/// (the conversation finished), fall back to Gather turns (the stream was refused), or end the call politely (it dropped).
/// </summary>
[ReleaseMigration(1, 27, 0, 1, "create voice_streams")]
public sealed class M1_27_0_CreateVoiceStreams : Migration
{
    public override void Up()
    {
        Execute.Sql("""
            CREATE TABLE voice_streams (
                request_id     uuid         PRIMARY KEY REFERENCES call_logs (id) ON DELETE CASCADE,
                domain_name    text,
                stream_sid     varchar(64)  NOT NULL,
                call_sid       varchar(64)  NOT NULL,
                state          varchar(20)  NOT NULL CHECK (state IN ('open', 'completed', 'hung_up', 'dropped', 'refused')),
                barge_ins      integer      NOT NULL DEFAULT 0 CHECK (barge_ins >= 0),
                started_at     timestamptz  NOT NULL DEFAULT now(),
                ended_at       timestamptz,
                CONSTRAINT voice_streams_ended_when_not_open CHECK ((state = 'open') = (ended_at IS NULL))
            );
            COMMENT ON TABLE voice_streams IS 'The Media Stream of a call in stream mode (one per request). The transcript itself is in conversation_turns.';
            COMMENT ON COLUMN voice_streams.state IS 'open (audio flowing), completed (the assistant ended the conversation), hung_up (the person hung up: Twilio sent stop), dropped (the WebSocket or the speech provider failed: the call is ended politely), refused (no capacity: the call falls back to Gather)';
            COMMENT ON COLUMN voice_streams.barge_ins IS 'How often the person spoke over the assistant (its audio was cleared).';
            """);
    }

    public override void Down() => Execute.Sql("DROP TABLE voice_streams;");
}
